using CostConsole.Data;

namespace CostConsole.Features.Hosting;

/// <summary>
/// A request that meets a locked or full database (after the busy timeout) answers 503 with Retry-After and problem
/// details saying so — never an HTML 500 — and nothing was written: its transaction was rolled back.
/// </summary>
public static class DatabaseBusy
{
    public static IApplicationBuilder UseDatabaseBusyAnswers(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (DatabaseSetup.IsBusyOrFull(ex) && !context.Response.HasStarted)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseBusy));
            var detail = DatabaseSetup.Describe(ex);
            logger.LogWarning("{Method} {Path} answered 503: {Detail}", context.Request.Method, context.Request.Path.Value, detail);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = "30";
            await Results.Problem(title: "The database is busy", detail: $"Nothing was changed: {detail} Try again in a moment.", statusCode: StatusCodes.Status503ServiceUnavailable)
                .ExecuteAsync(context);
        }
    });
}
