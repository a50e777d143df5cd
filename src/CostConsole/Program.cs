using CostConsole.Cli;
using CostConsole.Configuration;
using CostConsole.Data;
using CostConsole.Features.ApiTokens;
using CostConsole.Features.Budgets;
using CostConsole.Features.Digests;
using CostConsole.Features.Health;
using CostConsole.Features.Hosting;
using CostConsole.Features.Identity;
using CostConsole.Features.Identity.Oidc;
using CostConsole.Features.Ledger;
using CostConsole.Features.Mail;
using CostConsole.Features.Pricing;
using CostConsole.Features.Reconcile;
using CostConsole.Features.Rates;
using CostConsole.Features.Shell;
using CostConsole.Features.Sources;
using CostConsole.Features.Spend;
using CostConsole.Features.DataSource;
using CostConsole.Features.Teams;
using CostConsole.Prometheus;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // The settings file and the web root sit beside the binary, whatever the working folder.
    ContentRootPath = AppContext.BaseDirectory,
});

// A build output (bin/…, what `dotnet run` and the tests start) has no wwwroot of its own: its static web assets
// (the app's, MudBlazor's, Blazor's script) are described by a runtime manifest that points into the sources and the
// NuGet cache. ASP.NET reads that manifest only in Development, so a build output started in Production served every
// asset as an empty 200. Read it whenever it is there, whatever the environment; a published folder (the Dockerfile,
// the demo) has no manifest and serves its own wwwroot.
if (File.Exists(Path.Combine(AppContext.BaseDirectory, $"{builder.Environment.ApplicationName}.staticwebassets.runtime.json")))
{
    builder.WebHost.UseStaticWebAssets();
}

builder.Services.AddCostConsoleSettings(builder.Configuration);
builder.Services.AddCostConsoleHosting(builder.Configuration);
builder.Services.AddCostConsoleApiDocumentation();
builder.Services.AddCostConsoleData(builder.Configuration);
builder.Services.AddCostConsoleIdentity(builder.Configuration);
builder.Services.AddCostConsoleApiTokens();
builder.Services.AddCostConsolePrometheus(builder.Configuration);
builder.Services.AddCostConsoleDataSource();
builder.Services.AddCostConsoleSources();
builder.Services.AddCostConsoleMail();
builder.Services.AddCostConsoleLedger(builder.Configuration);
builder.Services.AddCostConsoleSpend(builder.Configuration);
builder.Services.AddCostConsoleReconcile(builder.Configuration);
builder.Services.AddCostConsoleRates();
builder.Services.AddCostConsolePricing(builder.Configuration);
builder.Services.AddCostConsoleBudgets(builder.Configuration);
builder.Services.AddCostConsoleDigests(builder.Configuration);
builder.Services.AddCostConsoleHealth();
builder.Services.AddScoped<TeamAdministration>();
builder.Services.AddScoped<UiPreferences>();
builder.Services.AddMudServices();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(builder, args);
}

var app = builder.Build();
// Every setting is checked before anything starts: a bad one ends the start with lines naming the key, no stack trace.
if (StartupSettings.Problems(app.Services) is { Count: > 0 } problems)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"error: {problem}");
    }

    return 2;
}

await app.MigrateAtStartupAsync();
await app.SeedIdentityAsync();
app.UseCostConsoleProviderSignIn();

// Forwarded headers (from configured proxies only), HSTS and the security headers come first.
app.UseCostConsoleHosting();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/status/500", createScopeForErrors: true);
}

app.UseDatabaseBusyAnswers();
app.UseRequestBodyLimit();

// Status pages first, so a 403 from authorization is rendered as a page that says so.
app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
// The API and /metrics answer with their own status and body. A form post is not re-executed either: the re-executed
// request would run antiforgery again on a form already found invalid (a forged post answered 500 instead of 400).
app.Use((context, next) =>
{
    if ((IdentitySetup.IsMachinePath(context.Request.Path) || !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        && context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
    {
        pages.Enabled = false;
    }

    return next(context);
});
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseCrossSiteWriteGuard();

app.MapStaticAssets().AllowAnonymous();
app.MapCostConsoleHealth();
app.MapAccountEndpoints();
app.MapProviderSignIn();
app.MapSpendApi();
app.MapSpendExports();
app.MapReconcileApi();
app.MapExchangeRateApi();
app.MapPriceApi();
app.MapBudgetApi();
app.MapDigestApi();
app.MapDigestDashboard();
app.MapCostConsoleApiDocumentation();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunAsync();
return 0;

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
