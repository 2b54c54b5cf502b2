using System.Text.Json;
using PoolOperator.Testing.Tools;
using Xunit.Abstractions;

namespace PoolOperator.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real kubectl and helm, pointed at one kubeconfig, as a user runs them. Every command and what it printed
/// goes to the test output, so a failed run reads like the terminal session that led to it.
/// </summary>
internal sealed class ClusterTools(string kubeconfig, ITestOutputHelper output)
{
    /// <summary>The kubeconfig every command uses.</summary>
    public string Kubeconfig => kubeconfig;

    /// <summary>Runs kubectl; fails the test when it fails.</summary>
    public async Task<string> KubectlAsync(params string[] arguments) => Checked("kubectl", arguments, await TryKubectlAsync(arguments));

    /// <summary>Runs kubectl with <paramref name="input"/> on its standard input; fails the test when it fails.</summary>
    public async Task<string> KubectlWithInputAsync(string input, params string[] arguments) =>
        Checked("kubectl", arguments, await TryKubectlWithInputAsync(input, arguments));

    /// <summary>Runs kubectl and returns its result as it is.</summary>
    public Task<ToolResult> TryKubectlAsync(params string[] arguments) => TryKubectlWithInputAsync(null, arguments);

    /// <summary>Runs kubectl with <paramref name="input"/> (if any) on its standard input and returns its result as it is.</summary>
    public Task<ToolResult> TryKubectlWithInputAsync(string? input, params string[] arguments) =>
        ToolProcess.RunAsync(ToolProcess.Kubectl, ["--kubeconfig", kubeconfig, .. arguments], input);

    /// <summary>Runs kubectl with <c>-o json</c> and parses what it printed.</summary>
    public async Task<JsonElement> JsonAsync(params string[] arguments)
    {
        var result = await TryKubectlAsync([.. arguments, "-o", "json"]);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)} -o json: {result}");
        using var document = JsonDocument.Parse(result.Output);
        return document.RootElement.Clone();
    }

    /// <summary>Runs helm; fails the test when it fails.</summary>
    public async Task<string> HelmAsync(params string[] arguments) =>
        Checked("helm", arguments, await ToolProcess.RunAsync(ToolProcess.Helm, ["--kubeconfig", kubeconfig, .. arguments]));

    /// <summary>Writes a heading and a command's output to the test output (what a user would look at).</summary>
    public void Show(string heading, string text) => output.WriteLine($"=== {heading}\n{text.TrimEnd()}\n");

    private string Checked(string tool, string[] arguments, ToolResult result)
    {
        var command = $"{tool} {string.Join(' ', arguments)}";
        Assert.True(result.ExitCode == 0, $"{command}: {result}");
        output.WriteLine($"$ {command}\n{result.Output.TrimEnd()}");
        return result.Output;
    }
}
