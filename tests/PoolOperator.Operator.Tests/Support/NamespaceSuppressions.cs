using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; this test assembly is never referenced from VB, and the
// namespaces follow the folders of the operator they test.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests", Justification = "Test assembly; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.Controller", Justification = "Test assembly; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.Budgets", Justification = "Test assembly; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.Leadership", Justification = "Test assembly; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.ServerDiscovery", Justification = "Test assembly; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.Hosting", Justification = "Test assembly; namespaces follow folders.")]
