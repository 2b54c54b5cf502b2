using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; test namespaces follow the folders of the project under test.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.Allocation", Justification = "Test assembly; namespaces follow folders.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:PoolOperator.Operator.Tests.Planning", Justification = "Test assembly; namespaces follow folders.")]
