using PoolOperator.Examples.OrdersApi;

// The orders service of examples/app: one endpoint that queries PostgreSQL through the agent's data source,
// liveness and readiness endpoints for the kubelet's probes, and a graceful stop in which the agent releases.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(ListenAddress.From(builder.Configuration));
builder.Services.AddOrdersApi(builder.Configuration);

var app = builder.Build();
app.MapOrdersApi();
await app.RunAsync();
