// The operator host is assembled in issue 4; until then the executable only states what it is.
Console.WriteLine("PoolOperator operator: not wired yet.");
return 0;
