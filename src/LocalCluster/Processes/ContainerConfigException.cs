namespace PoolOperator.LocalCluster.Processes;

/// <summary>
/// A container cannot start because of its configuration (a missing Secret or key, an unsupported
/// field): the kubelet's CreateContainerConfigError, with the message it would show.
/// </summary>
public sealed class ContainerConfigException : Exception
{
    public ContainerConfigException()
    {
    }

    public ContainerConfigException(string message)
        : base(message)
    {
    }

    public ContainerConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
