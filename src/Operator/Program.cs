using Microsoft.Extensions.Options;
using PoolOperator.Operator.Hosting;

// Exit codes: 0 stopped normally, 2 configuration error (message on stderr), 1 anything else.
k8s.KubernetesClientConfiguration kubernetes;
try
{
    kubernetes = KubeConfigResolver.Resolve(Environment.GetEnvironmentVariable);
}
catch (KubeConfigNotFoundException ex)
{
    await Console.Error.WriteLineAsync("pool-operator: " + ex.Message);
    return 2;
}

try
{
    var app = OperatorHost.Build(args, kubernetes);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("pool-operator: invalid configuration:");
    foreach (var failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync("  " + failure);
    }

    return 2;
}
