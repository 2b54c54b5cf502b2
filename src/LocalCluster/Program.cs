// The local cluster is built in issue 3.
Console.WriteLine("PoolOperator local cluster: not built yet.");
return 0;
