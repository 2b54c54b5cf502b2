namespace PoolOperator.ScaleStorm;

/// <summary>Names of the simulated application in the cluster and on the server.</summary>
internal static class StormApplication
{
    /// <summary>The application_name every replica's connections carry.</summary>
    public const string Name = "scale-storm-app";

    public const string Namespace = "storm";

    public const string Deployment = "storm-app";

    public const string Hpa = "storm-app";

    public const string Budget = "storm-db";

    public const string Selector = "app=storm-app";
}
