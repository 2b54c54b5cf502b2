using PoolOperator.Operator.Hosting.Metrics;

namespace PoolOperator.Operator.Tests.Hosting;

public sealed class MetricsRegistryTests
{
    [Fact]
    public void Renders_the_prometheus_text_format()
    {
        var registry = new MetricsRegistry();
        registry.Counter("c_total", "A counter.", "kind").Add(2, "a\"b");
        registry.Gauge("g", "A gauge.").Set(1.5);
        var histogram = registry.Histogram("h_seconds", "A histogram.", [0.1, 1]);
        histogram.Observe(0.05);
        histogram.Observe(0.5);
        histogram.Observe(5);

        var text = registry.Render();

        Assert.Equal(
            """
            # HELP c_total A counter.
            # TYPE c_total counter
            c_total{kind="a\"b"} 2
            # HELP g A gauge.
            # TYPE g gauge
            g 1.5
            # HELP h_seconds A histogram.
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.1"} 1
            h_seconds_bucket{le="1"} 2
            h_seconds_bucket{le="+Inf"} 3
            h_seconds_sum 5.55
            h_seconds_count 3

            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void A_removed_series_is_no_longer_rendered()
    {
        var registry = new MetricsRegistry();
        var gauge = registry.Gauge("g", "A gauge.", "budget");
        gauge.Set(1, "a");
        gauge.Set(2, "b");
        gauge.Remove("a");

        Assert.DoesNotContain("budget=\"a\"", registry.Render(), StringComparison.Ordinal);
        Assert.Contains("g{budget=\"b\"} 2", registry.Render(), StringComparison.Ordinal);
    }
}
