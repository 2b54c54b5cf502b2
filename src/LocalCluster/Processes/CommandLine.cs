using System.Text;

namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// Splits a command line into words the way a POSIX shell does, without running one: blanks separate
/// words, single quotes keep everything literally, double quotes keep everything but <c>\"</c>, <c>\\</c>,
/// <c>\$</c> and <c>\`</c>, and a backslash outside quotes takes the next character literally.
/// No variables, globs, pipes or redirections: those characters are plain text here.
/// </summary>
internal static class CommandLine
{
    /// <summary>The words of <paramref name="line"/>.</summary>
    /// <exception cref="FormatException">A quote is not closed or the line ends in a lone backslash.</exception>
    public static IReadOnlyList<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    break;
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException($"unclosed single quote in command line: {line}");
                    }

                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    inWord = true;
                    break;
                case '"':
                    i = ReadDoubleQuoted(line, i + 1, word);
                    inWord = true;
                    break;
                case '\\':
                    if (i + 1 >= line.Length)
                    {
                        throw new FormatException($"command line ends in a lone backslash: {line}");
                    }

                    // Backslash-newline continues the line, as in a shell.
                    if (line[i + 1] != '\n')
                    {
                        word.Append(line[i + 1]);
                        inWord = true;
                    }

                    i++;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>Reads a double-quoted part starting after the opening quote; returns the index of the closing quote.</summary>
    private static int ReadDoubleQuoted(string line, int start, StringBuilder word)
    {
        for (var i = start; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                return i;
            }

            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`' or '\n')
            {
                if (line[i + 1] != '\n')
                {
                    word.Append(line[i + 1]);
                }

                i++;
                continue;
            }

            word.Append(c);
        }

        throw new FormatException($"unclosed double quote in command line: {line}");
    }
}
