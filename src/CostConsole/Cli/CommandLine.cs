using System.Text;
using CostConsole.Data;
using CostConsole.Features.Identity;

namespace CostConsole.Cli;

/// <summary>
/// Administrative commands run with the app's own configuration:
/// <c>migrate</c> and <c>users create --email E --role R</c>.
/// </summary>
public static class CommandLine
{
    public const string PasswordVariable = "COSTCONSOLE_PASSWORD";

    private static readonly HashSet<string> Commands = ["migrate", "users", "help", "--help"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    public static async Task<int> RunAsync(WebApplicationBuilder builder, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        try
        {
            switch (args)
            {
                case ["migrate", ..]:
                {
                    await using var app = builder.Build();
                    await DatabaseSetup.MigrateAsync(app.Services);
                    await output.WriteLineAsync("The database is up to date.");
                    return 0;
                }
                case ["users", "create", .. var rest]:
                    return await CreateUserAsync(builder, Options(rest), output, error);
                default:
                    await error.WriteLineAsync(Usage);
                    return args is ["help" or "--help", ..] ? 0 : 2;
            }
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {DatabaseSetup.Describe(ex)}");
            return 1;
        }
    }

    private static async Task<int> CreateUserAsync(WebApplicationBuilder builder, IReadOnlyDictionary<string, string> options, TextWriter output, TextWriter error)
    {
        if (!options.TryGetValue("email", out var email) || !options.TryGetValue("role", out var role))
        {
            await error.WriteLineAsync("error: users create needs --email and --role.\n" + Usage);
            return 2;
        }

        var variable = options.GetValueOrDefault("password-env", PasswordVariable);
        var password = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(password))
        {
            if (Console.IsInputRedirected)
            {
                await error.WriteLineAsync($"error: no password: set {variable} or run the command in a terminal to be prompted.");
                return 2;
            }

            password = Prompt($"Password for {email}: ");
            if (Prompt("Repeat it: ") != password)
            {
                await error.WriteLineAsync("error: the passwords differ; nothing was created.");
                return 2;
            }
        }

        await using var app = builder.Build();
        await DatabaseSetup.MigrateAsync(app.Services);
        await using var scope = app.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        var result = await admin.CreateAsync(email, role, password);
        if (!result.Succeeded)
        {
            foreach (var message in result.Errors)
            {
                await error.WriteLineAsync($"error: {message}");
            }

            return 1;
        }

        await output.WriteLineAsync($"Created {email.Trim()} with the role {Roles.Normalize(role)}.");
        return 0;
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = args[i][2..];
                var eq = name.IndexOf('=');
                if (eq > 0)
                {
                    options[name[..eq]] = name[(eq + 1)..];
                }
                else if (i + 1 < args.Length)
                {
                    options[name] = args[++i];
                }
            }
        }

        return options;
    }

    private static string Prompt(string label)
    {
        Console.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    public const string Usage = """
        usage:
          CostConsole migrate
              apply pending database migrations and exit
          CostConsole users create --email EMAIL --role Finance|Engineer|Manager|Admin [--password-env VAR]
              create a user; the password comes from $COSTCONSOLE_PASSWORD (or VAR), else it is prompted
        """;
}
