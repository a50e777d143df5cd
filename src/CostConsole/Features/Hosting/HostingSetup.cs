using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Hosting;

/// <summary>Where the app sits: behind which reverse proxies (whose X-Forwarded-For and -Proto are believed).</summary>
public sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>Addresses or networks (CIDR) of the reverse proxies in front of the app, comma-separated; empty: no proxy, forwarded headers are ignored.</summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>The largest request body taken, in bytes (a price import is the largest legitimate one).</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    public IEnumerable<string> Proxies => KnownProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

internal sealed class ValidateHostingOptions : IValidateOptions<HostingOptions>
{
    public ValidateOptionsResult Validate(string? name, HostingOptions options)
    {
        List<string> failures = [];
        foreach (var proxy in options.Proxies)
        {
            if (!IPAddress.TryParse(proxy, out _) && !System.Net.IPNetwork.TryParse(proxy, out _))
            {
                failures.Add($"Hosting:KnownProxies '{Configuration.OptionText.Printable(proxy)}' is not an IP address or a network such as 10.0.0.0/8.");
            }
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            failures.Add($"Hosting:MaxRequestBodyBytes must be between 1024 and 1073741824 (was {options.MaxRequestBodyBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Hosting hygiene: forwarded headers only from configured proxies (so behind a TLS proxy the request is HTTPS and the
/// sign-in cookie Secure), HSTS on HTTPS, request bodies capped with a 413 problem, and the security headers.
/// Host filtering honours AllowedHosts (WebApplication adds it); redirects are relative, so no Host reaches them.
/// </summary>
public static class HostingSetup
{
    public static IServiceCollection AddCostConsoleHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HostingOptions>().Bind(configuration.GetSection(HostingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HostingOptions>, ValidateHostingOptions>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HostingOptions>>((forwarded, hosting) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the configured proxies are believed; the framework's default (loopback) is not assumed.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the older list still holds the loopback default, and the middleware reads it too
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in hosting.Value.Proxies)
            {
                if (IPAddress.TryParse(proxy, out var address)) forwarded.KnownProxies.Add(address);
                else if (System.Net.IPNetwork.TryParse(proxy, out var network)) forwarded.KnownIPNetworks.Add(network);
            }
        });
        services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(180));
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        return services;
    }

    public static IApplicationBuilder UseCostConsoleHosting(this IApplicationBuilder app)
    {
        // With no proxy listed the middleware would believe anyone (empty lists mean "any proxy"): it is not used then.
        if (app.ApplicationServices.GetRequiredService<IOptions<HostingOptions>>().Value.Proxies.Any())
        {
            app.UseForwardedHeaders();
        }

        app.UseSecurityHeaders();
        if (!app.ApplicationServices.GetRequiredService<IWebHostEnvironment>().IsDevelopment())
        {
            app.UseHsts(); // sent on HTTPS requests only
        }

        return app;
    }

    /// <summary>Caps request bodies at Hosting:MaxRequestBodyBytes with a 413 problem (after the exception handler, which would make it a 500 page).</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app)
    {
        var limit = app.ApplicationServices.GetRequiredService<IOptions<HostingOptions>>().Value.MaxRequestBodyBytes;
        return app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > limit)
            {
                await TooLargeAsync(context, limit);
                return;
            }

            // A body without a declared length is counted as it is read.
            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit;
            }

            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                await TooLargeAsync(context, limit);
            }
        });
    }

    private static Task TooLargeAsync(HttpContext context, long limit) =>
        Results.Problem(title: "Request body too large", detail: $"The body is larger than {limit:N0} bytes (Hosting:MaxRequestBodyBytes).",
            statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);
}
