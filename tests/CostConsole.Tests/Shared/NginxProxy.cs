using System.Net.Sockets;

namespace CostConsole.Tests.Shared;

/// <summary>
/// A real reverse proxy (Debian's nginx) on a free loopback port in front of an upstream, with the test's own
/// <c>location /</c> rules; its configuration, pid and logs live in a temporary folder removed on dispose.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly DirectoryInfo _folder;
    private readonly StringWriterLog _log;

    private NginxProxy(System.Diagnostics.Process process, DirectoryInfo folder, int port, StringWriterLog log)
    {
        _process = process;
        _folder = folder;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <param name="rules">nginx directives inside <c>location /</c>, before the <c>proxy_pass</c> to <paramref name="upstream"/>.</param>
    public static Task<NginxProxy> StartAsync(string upstream, string rules) => StartWithAsync(port => $$"""
        server {
            listen 127.0.0.1:{{port}};
            location / {
                {{rules}}
                proxy_pass {{upstream}};
            }
        }
        """);

    /// <summary>nginx with the given <c>http</c>-level configuration (upstreams, maps, servers), which listens on the port it is handed.</summary>
    public static async Task<NginxProxy> StartWithAsync(Func<int, string> http)
    {
        var binary = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : PrometheusServer.FindBinary("nginx");
        var folder = Directory.CreateTempSubdirectory("costconsole-nginx-");
        var port = PrometheusServer.FreePort();
        var temp = Path.Combine(folder.FullName, "temp");
        Directory.CreateDirectory(temp);
        var config = Path.Combine(folder.FullName, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            pid {{folder.FullName}}/nginx.pid;
            error_log {{folder.FullName}}/error.log warn;
            worker_processes 1;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{temp}};
                proxy_temp_path {{temp}};
                fastcgi_temp_path {{temp}};
                uwsgi_temp_path {{temp}};
                scgi_temp_path {{temp}};
            {{http(port)}}
            }
            """);
        var log = new StringWriterLog();
        var process = PrometheusServer.Start(binary, ["-c", config, "-p", folder.FullName, "-g", "daemon off;"], log);
        var proxy = new NginxProxy(process, folder, port, log);
        await WaitUntil.TrueAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {log.Text} {ErrorLog(folder)}");
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "nginx to listen");
        return proxy;
    }

    private static string ErrorLog(DirectoryInfo folder)
    {
        var file = Path.Combine(folder.FullName, "error.log");
        return File.Exists(file) ? File.ReadAllText(file) : "";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Delete(recursive: true);
    }
}
