using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using PoolOperator.LocalCluster.Tests.Support;

namespace PoolOperator.LocalCluster.Tests.Processes;

/// <summary>A local cluster with test images mapped to real programs, and helpers to watch pods and processes.</summary>
internal static class ProcessPods
{
    /// <summary>Runs its single arg as a /bin/sh script.</summary>
    public const string Shell = "test/shell:1";

    /// <summary>Prints its environment and exits.</summary>
    public const string Env = "test/env:1";

    /// <summary>python3's http.server; args choose the address, directory and port.</summary>
    public const string Web = "test/web:1";

    public static Task<LocalKubernetesServer> StartAsync() => TestCluster.StartAsync(options =>
    {
        options.ProcessImages[Shell] = "/bin/sh -c";
        options.ProcessImages[Env] = "/usr/bin/env";
        options.ProcessImages[Web] = "python3 -u -m http.server";
    });

    public static V1Pod Pod(string name, string image, params string[] args) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["test"] = name } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image, Args = args }] },
    };

    /// <summary>A web container bound to its pod IP (from the downward API), serving <paramref name="directory"/> on port 8080 named "http".</summary>
    public static V1Pod WebPod(string name, string directory)
    {
        var pod = Pod(name, Web, "--bind", "$(POD_IP)", "--directory", directory, "8080");
        var container = pod.Spec.Containers[0];
        container.Env = [new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } }];
        container.Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }];
        return pod;
    }

    public static V1Probe HttpProbe(string path, int failureThreshold = 1) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = "http" },
        PeriodSeconds = 1,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 1,
    };

    /// <summary>Waits until the pod satisfies <paramref name="condition"/> and returns it.</summary>
    public static async Task<V1Pod> WaitAsync(IKubernetes client, string name, Func<V1Pod, bool> condition, string what)
    {
        V1Pod? last = null;
        try
        {
            await Eventually.TrueAsync(async () => (last = await client.CoreV1.ReadNamespacedPodAsync(name, "default")) is { } pod && condition(pod), $"{name} {what}", TimeSpan.FromSeconds(40));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "; last status: " + (last?.Status is null ? "none" : KubernetesJson.Serialize(last.Status)), e);
        }

        return last!;
    }

    /// <summary>Waits until the pod object is gone.</summary>
    public static Task WaitGoneAsync(IKubernetes client, string name) =>
        Eventually.TrueAsync(async () =>
        {
            try
            {
                await client.CoreV1.ReadNamespacedPodAsync(name, "default");
                return false;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, $"{name} is gone", TimeSpan.FromSeconds(40));

    public static V1ContainerStatus MainOf(V1Pod pod) => pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == "main") ?? new V1ContainerStatus();

    public static bool IsReady(V1Pod pod) => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>The pod's log through the API (what kubectl logs reads).</summary>
    public static async Task<string> LogAsync(LocalKubernetesServer server, string name, string query = "")
    {
        using var http = server.CreateHttpClient();
        using var response = await http.GetAsync($"api/v1/namespaces/default/pods/{name}/log{query}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The container's process id, from its containerID (process://PID).</summary>
    public static int ProcessId(V1Pod pod) =>
        int.Parse(MainOf(pod).ContainerID["process://".Length..], CultureInfo.InvariantCulture);

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Every live process in process group <paramref name="group"/>.</summary>
    public static List<int> GroupMembers(int group)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[2], CultureInfo.InvariantCulture) == group && IsAlive(pid))
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process went away while we looked.
            }
        }

        return members;
    }

    /// <summary>A status field as JSON text, for readable assertion messages.</summary>
    public static string Describe(V1Pod pod) => JsonNode.Parse(KubernetesJson.Serialize(pod.Status))!.ToJsonString();
}
