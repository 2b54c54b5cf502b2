namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// The output of one run of a container (stdout and stderr interleaved, as <c>kubectl logs</c> shows it),
/// bounded: past <see cref="MaxLines"/> lines or <see cref="MaxChars"/> characters the oldest lines go,
/// as a node's log rotation drops old files. Followers wait for more lines until the run ends.
/// </summary>
internal sealed class ContainerLog
{
    /// <summary>Most lines kept per container run.</summary>
    public const int MaxLines = 10_000;

    /// <summary>Most characters kept per container run (about 4 MiB of UTF-16).</summary>
    public const int MaxChars = 2 * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly LinkedList<string> _lines = new();
    private long _chars;
    private long _appended;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the run is over: no more lines come.</summary>
    public bool Completed { get; private set; }

    /// <summary>Adds one line (without its newline).</summary>
    public void Append(string line)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.AddLast(line);
            _chars += line.Length + 1;
            _appended++;
            while (_lines.Count > MaxLines || (_chars > MaxChars && _lines.Count > 1))
            {
                _chars -= _lines.First!.Value.Length + 1;
                _lines.RemoveFirst();
            }

            changed = Swap();
        }

        changed.TrySetResult();
    }

    /// <summary>Marks the run as over and wakes every follower.</summary>
    public void Complete()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            Completed = true;
            changed = Swap();
        }

        changed.TrySetResult();
    }

    /// <summary>
    /// The lines kept, the last <paramref name="tail"/> of them when given; <c>Position</c> is the
    /// count of lines ever appended, to ask <see cref="After"/> for what comes next.
    /// </summary>
    public (IReadOnlyList<string> Lines, long Position, Task Changed) Snapshot(int? tail)
    {
        lock (_gate)
        {
            var skip = tail is { } n && n < _lines.Count ? _lines.Count - Math.Max(n, 0) : 0;
            return (_lines.Skip(skip).ToList(), _appended, _changed.Task);
        }
    }

    /// <summary>The lines appended since <paramref name="position"/> (those still kept), the new position and a task that completes on the next change.</summary>
    public (IReadOnlyList<string> Lines, long Position, Task Changed) After(long position)
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_appended - position, _lines.Count);
            return (_lines.Skip(_lines.Count - count).ToList(), _appended, _changed.Task);
        }
    }

    private TaskCompletionSource Swap()
    {
        var old = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        return old;
    }
}
