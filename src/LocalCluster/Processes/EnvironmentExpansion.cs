using System.Text;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// The kubelet's <c>$(VAR)</c> expansion in env values, command and args: <c>$(NAME)</c> becomes the
/// variable's value when it is defined, and stays as written when it is not; <c>$$</c> is a literal
/// <c>$</c>, so <c>$$(NAME)</c> stays <c>$(NAME)</c>. Nothing else is expanded.
/// </summary>
internal static class EnvironmentExpansion
{
    /// <summary>Expands <paramref name="text"/> against <paramref name="variables"/>.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(variables);
        if (!text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                result.Append(text[i]);
                continue;
            }

            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            var close = next == '(' ? text.IndexOf(')', i + 2) : -1;
            if (close < 0)
            {
                result.Append('$');
                continue;
            }

            var name = text[(i + 2)..close];
            result.Append(variables.TryGetValue(name, out var value) ? value : "$(" + name + ")");
            i = close;
        }

        return result.ToString();
    }
}
