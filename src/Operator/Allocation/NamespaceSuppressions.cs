using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; the assembly is an executable that VB code never references,
// and the namespaces follow the project's folders. Scoped to this engineer's namespaces only.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Allocation", Justification = "Executable; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Planning", Justification = "Executable; namespaces follow folders.")]
