using Microsoft.Extensions.Options;
using PoolOperator.Operator.Hosting;

// Exit codes: 0 stopped normally, 2 configuration error or port in use (message on stderr), 1 anything else.
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
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    await Console.Error.WriteLineAsync($"pool-operator: cannot serve /healthz, /readyz and /metrics: {ex.Message} Set Operator:HttpPort (env Operator__HttpPort) to a free port.");
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
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    await Console.Error.WriteLineAsync($"pool-operator: cannot serve /healthz, /readyz and /metrics: {ex.Message} Set Operator:HttpPort (env Operator__HttpPort) to a free port.");
    return 2;
}
catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
{
    // The configuration binder's message names the setting (e.g. 'Operator:ApiQps') and the type it wants.
    await Console.Error.WriteLineAsync("pool-operator: invalid configuration: " + ex.Message);
    return 2;
}
