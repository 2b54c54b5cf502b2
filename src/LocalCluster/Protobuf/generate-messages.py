#!/usr/bin/env python3
"""Writes KubernetesMessages.txt, the field table the protobuf decoder reads, from k8s.io/api's types.go.

Usage: generate-messages.py API_CHECKOUT > KubernetesMessages.txt
where API_CHECKOUT is a checkout of github.com/kubernetes/api at v0.35.x (Kubernetes 1.35). Each struct's fields come from their Go
`protobuf:"wire,number,opt|rep,name=..."` and `json:"..."` tags; only messages reachable from ROOTS are written.
Line format (one field per line under "@package.Message"):
    NUMBER JSON_NAME KIND TYPE FLAGS
KIND: string int32 int64 bool bytes double msg map; TYPE: message name (msg) or "key,value" (map);
FLAGS: any of p (Go pointer: a zero value is kept), r (repeated), i (inlined into the parent object), '-' none.
"""
import re
import sys

PACKAGES = {
    "core": "core/v1/types.go", "apps": "apps/v1/types.go", "batch": "batch/v1/types.go", "authentication": "authentication/v1/types.go",
    "rbac": "rbac/v1/types.go", "policy": "policy/v1/types.go", "autoscaling": "autoscaling/v2/types.go",
}
ROOTS = [
    "core.Namespace", "core.Secret", "core.ConfigMap", "core.ServiceAccount", "core.Pod", "core.Service",
    "apps.Deployment", "apps.StatefulSet", "apps.ReplicaSet", "batch.Job", "batch.CronJob", "authentication.TokenRequest",
    "rbac.Role", "rbac.ClusterRole", "rbac.RoleBinding", "rbac.ClusterRoleBinding", "policy.PodDisruptionBudget",
    "autoscaling.HorizontalPodAutoscaler",
]
SPECIAL = {
    "metav1.ObjectMeta": "meta.ObjectMeta", "metav1.LabelSelector": "meta.LabelSelector", "metav1.Time": "time",
    "metav1.MicroTime": "time", "metav1.Duration": "duration", "resource.Quantity": "quantity",
    "intstr.IntOrString": "intorstring", "types.UID": "string", "metav1.Condition": "meta.Condition",
}
# ObjectMeta as far as a client sets it; server-owned fields (timestamps, generation, managedFields) are skipped.
META = """@meta.ObjectMeta
1 name string string -
2 generateName string string -
3 namespace string string -
5 uid string string -
6 resourceVersion string string -
11 labels map string,string -
12 annotations map string,string -
13 ownerReferences msg meta.OwnerReference r
14 finalizers string string r
@meta.OwnerReference
1 kind string string -
3 name string string -
4 uid string string -
5 apiVersion string string -
6 controller bool bool p
7 blockOwnerDeletion bool bool p
@meta.LabelSelector
1 matchLabels map string,string -
2 matchExpressions msg meta.LabelSelectorRequirement r
@meta.LabelSelectorRequirement
1 key string string -
2 operator string string -
3 values string string r
@meta.Condition
1 type string string -
2 status string string -
3 observedGeneration int64 int64 -
4 lastTransitionTime time time -
5 reason string string -
6 message string string -
"""

STRUCT = re.compile(r"^type (\w+) struct \{$")
NAMED = re.compile(r"^type (\w+) (\*?[\w\.\[\]]+)$")
FIELD = re.compile(r"^\s+(?:(\w+)\s+)?([\w\.\*\[\]]+)\s+`(.*)`\s*$")


def tag(tags, key):
    m = re.search(key + r':"([^"]*)"', tags)
    return m.group(1) if m else None


def parse(package, text):
    structs, named, current = {}, {}, None
    for line in text.splitlines():
        if current is None:
            m = STRUCT.match(line)
            if m:
                current = structs.setdefault(m.group(1), [])
                continue
            m = NAMED.match(line)
            if m:
                named[m.group(1)] = m.group(2)
            continue
        if line.startswith("}"):
            current = None
            continue
        m = FIELD.match(line)
        if not m:
            continue
        name, gotype, tags = m.groups()
        proto = tag(tags, "protobuf")
        if proto is None:
            continue
        parts = proto.split(",")
        json = (tag(tags, "json") or "").split(",")
        inline = (name is None and json[0] == "") or "inline" in json[1:]
        current.append({"number": int(parts[1]), "json": json[0], "type": gotype, "inline": inline})
    return structs, named


def main(root):
    structs, named = {}, {}
    for package, path in PACKAGES.items():
        with open(f"{root}/{path}", encoding="utf-8") as f:
            s, n = parse(package, f.read())
        structs.update({f"{package}.{k}": v for k, v in s.items()})
        named.update({f"{package}.{k}": v for k, v in n.items()})

    def resolve(package, gotype):
        """(kind, type, pointer, repeated) of a Go type."""
        pointer = gotype.startswith("*")
        gotype = gotype.lstrip("*")
        if gotype == "[]byte":
            return "bytes", "bytes", pointer, False
        if gotype.startswith("[]"):
            kind, t, _, _ = resolve(package, gotype[2:])
            return kind, t, pointer, True
        if gotype.startswith("map["):
            key, value = re.match(r"map\[([\w\.]+)\](.+)", gotype).groups()
            kk, kt, _, _ = resolve(package, key)
            vk, vt, _, vr = resolve(package, value)
            if vr:
                vk, vt = "strings", "strings"
            return "map", f"{kt},{vt if vk in ('msg',) else vk}", pointer, False
        if gotype in SPECIAL:
            special = SPECIAL[gotype]
            return ("msg", special, pointer, False) if special.startswith("meta.") else (special, special, pointer, False)
        if gotype in ("string", "int32", "int64", "bool", "float64", "int"):
            kind = {"float64": "double", "int": "int64"}.get(gotype, gotype)
            return kind, kind, pointer, False
        qualified = re.sub(r"^(core)?v1\.", "core.", gotype) if "." in gotype else f"{package}.{gotype}"
        if qualified in named:
            kind, t, p, r = resolve(qualified.split(".")[0], named[qualified])
            return kind, t, pointer or p, r
        if qualified in structs:
            return "msg", qualified, pointer, False
        raise KeyError(f"unknown Go type {gotype} in {package}")

    out, seen, queue = [], set(), list(ROOTS)
    while queue:
        message = queue.pop(0)
        if message in seen or message.startswith("meta."):
            continue
        seen.add(message)
        package = message.split(".")[0]
        out.append("@" + message)
        for field in structs[message]:
            kind, t, pointer, repeated = resolve(package, field["type"])
            flags = ("p" if pointer else "") + ("r" if repeated else "") + ("i" if field["inline"] else "")
            out.append(f"{field['number']} {field['json'] or '_'} {kind} {t} {flags or '-'}")
            if kind == "msg":
                queue.append(t)
            if kind == "map" and "." in t.split(",")[1]:
                queue.append(t.split(",")[1])
    print("# Generated by generate-messages.py from k8s.io/api types.go (field numbers and JSON names). Do not edit.")
    print("\n".join(out))
    print(META, end="")


if __name__ == "__main__":
    main(sys.argv[1])
