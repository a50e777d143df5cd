using System.Net.Sockets;
using CostConsole.Configuration;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CostConsole.Features.Mail;

public enum MailOutcome
{
    Sent,
    /// <summary>Mail is off: Smtp:Host is empty.</summary>
    NotConfigured,
    /// <summary>A 4xx reply or a network failure: worth trying again later.</summary>
    Temporary,
    /// <summary>A 5xx reply (a rejected recipient, a refused sender): trying again will not help.</summary>
    Permanent,
}

/// <summary>What happened to one message, with the server's words.</summary>
public sealed record MailResult(MailOutcome Outcome, string Reply)
{
    public bool Sent => Outcome == MailOutcome.Sent;
}

/// <summary>The one mail path: MailKit to the configured SMTP server, failures sorted into temporary and permanent.</summary>
public sealed class MailSender(IOptions<SmtpOptions> options, ILogger<MailSender> logger)
{
    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Host);

    public MailboxAddress From => MailboxAddress.Parse(options.Value.From);

    public async Task<MailResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        var smtp = options.Value;
        if (!Configured)
        {
            return new MailResult(MailOutcome.NotConfigured, "Mail is off: Smtp:Host is not set.");
        }

        using var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            var security = smtp.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            await client.ConnectAsync(smtp.Host!, smtp.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.Username))
            {
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
            }

            var reply = await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(true, cancellationToken);
            // MailKit returns the text of the final reply; a message is accepted only with 250.
            return new MailResult(MailOutcome.Sent, "250 " + reply);
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            logger.LogWarning("SMTP {Host}:{Port} answered {Code}: {Message}", smtp.Host, smtp.Port, code, ex.Message);
            return new MailResult(code is >= 400 and < 500 ? MailOutcome.Temporary : MailOutcome.Permanent, $"{code} {ex.Message}");
        }
        catch (AuthenticationException ex)
        {
            return new MailResult(MailOutcome.Permanent, $"Smtp:Username/Smtp:Password were refused by {smtp.Host}: {ex.Message}");
        }
        catch (NotSupportedException ex) when (smtp.Security == SmtpSecurity.StartTls && !client.IsAuthenticated && !client.IsSecure && ex.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase))
        {
            return new MailResult(MailOutcome.Permanent, $"Smtp:Security is StartTls but {smtp.Host}:{smtp.Port} does not offer STARTTLS; set Smtp:Security to None or Auto, or use the server's TLS port.");
        }
        catch (NotSupportedException ex) when (!string.IsNullOrEmpty(smtp.Username) && !client.IsAuthenticated)
        {
            return new MailResult(MailOutcome.Permanent, $"Smtp:Username is set but {smtp.Host}:{smtp.Port} offers no authentication ({ex.Message}); clear Smtp:Username or use the server's submission port.");
        }
        catch (SslHandshakeException ex)
        {
            return new MailResult(MailOutcome.Permanent, $"TLS with {smtp.Host}:{smtp.Port} failed (Smtp:Security is {smtp.Security}): {ex.Message}");
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain && !client.IsConnected)
        {
            return new MailResult(MailOutcome.Temporary, $"Smtp:Host '{smtp.Host}' could not be resolved: {ex.Message}");
        }
        catch (SocketException ex) when (!client.IsConnected)
        {
            logger.LogWarning("SMTP {Host}:{Port} could not be reached: {Message}", smtp.Host, smtp.Port, ex.Message);
            return new MailResult(MailOutcome.Temporary, $"Nothing answered at Smtp:Host/Smtp:Port {smtp.Host}:{smtp.Port}: {ex.Message}");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or SocketException or ServiceNotConnectedException or TimeoutException)
        {
            logger.LogWarning("SMTP {Host}:{Port} dropped the connection: {Message}", smtp.Host, smtp.Port, ex.Message);
            return new MailResult(MailOutcome.Temporary, $"{smtp.Host}:{smtp.Port} could not be reached or dropped the connection: {ex.Message}");
        }
    }
}

public static class MailSetup
{
    /// <summary>The one mail path (MailKit to Smtp:*), shared by threshold mails and digests.</summary>
    public static IServiceCollection AddCostConsoleMail(this IServiceCollection services) => services.AddSingleton<MailSender>();
}
