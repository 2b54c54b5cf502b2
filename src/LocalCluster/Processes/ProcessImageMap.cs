namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// Which container images run as local processes, and with what command: the parsed form of
/// <c>--run IMAGE=COMMAND</c> and <see cref="LocalClusterOptions.ProcessImages"/>.
/// </summary>
internal sealed class ProcessImageMap
{
    private readonly Dictionary<string, IReadOnlyList<string>> _commands;

    private ProcessImageMap(Dictionary<string, IReadOnlyList<string>> commands) => _commands = commands;

    /// <summary>No image is mapped.</summary>
    public bool IsEmpty => _commands.Count == 0;

    /// <summary>The mapped images.</summary>
    public IReadOnlyCollection<string> Images => _commands.Keys;

    /// <summary>Parses image -> command line pairs; throws naming the image whose command is bad.</summary>
    /// <exception cref="ArgumentException">An image is empty or its command line is empty or malformed.</exception>
    public static ProcessImageMap Parse(IEnumerable<KeyValuePair<string, string>> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var commands = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (image, line) in images)
        {
            if (string.IsNullOrWhiteSpace(image))
            {
                throw new ArgumentException("ProcessImages: an image name is empty.", nameof(images));
            }

            IReadOnlyList<string> words;
            try
            {
                words = CommandLine.Split(line ?? "");
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"ProcessImages[{image}]: {e.Message}", nameof(images), e);
            }

            if (words.Count == 0)
            {
                throw new ArgumentException($"ProcessImages[{image}]: the command line is empty.", nameof(images));
            }

            commands[image.Trim()] = words;
        }

        return new ProcessImageMap(commands);
    }

    /// <summary>Parses one <c>IMAGE=COMMAND</c> option value into its two halves.</summary>
    /// <exception cref="ArgumentException">There is no '=' or either side is empty.</exception>
    public static KeyValuePair<string, string> ParseOption(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == value.Length - 1)
        {
            throw new ArgumentException($"--run needs IMAGE=COMMAND, got '{value}'", nameof(value));
        }

        return new(value[..equals].Trim(), value[(equals + 1)..]);
    }

    /// <summary>The command (program and its own arguments) an image maps to, or null.</summary>
    public IReadOnlyList<string>? CommandFor(string? image) =>
        image is not null && _commands.TryGetValue(image, out var command) ? command : null;

    /// <summary>True when any container of the pod uses a mapped image: the process kubelet runs it.</summary>
    public bool Runs(k8s.Models.V1Pod pod) =>
        pod?.Spec?.Containers?.Any(c => CommandFor(c.Image) is not null) == true;
}
