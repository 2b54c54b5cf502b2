using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using PoolOperator.Operator.Events;

namespace PoolOperator.Operator.Tests.Events;

public sealed partial class MicroTimeTests
{
    [Fact]
    public void Every_event_time_the_operator_writes_has_six_fractional_digits()
    {
        var time = new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);

        Assert.Equal("2026-12-01T20:00:00.000000Z", EventRecorder.MicroTime(time));

        // The typed event's eventTime goes through the client's serializer: it must keep the microseconds too.
        var json = KubernetesJson.Serialize(new Eventsv1Event { EventTime = time.UtcDateTime.AddTicks(1234560) });
        Assert.Matches(SixDigits(), json);
    }

    [GeneratedRegex("\"eventTime\":\"2026-12-01T20:00:00\\.123456Z\"")]
    private static partial Regex SixDigits();
}
