using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <summary>
    /// Dimension values stored once: each distinct set of (model, provider, feature, team, operation, outcome, extra)
    /// becomes a LedgerSets row, and the hour, day and month rows keep its integer key. Written by hand so the rows
    /// already in the ledger are carried over (the scaffold would have dropped their values).
    /// </summary>
    public partial class LedgerSets : Migration
    {
        private static readonly (string Table, string Time)[] Ledger = [("LedgerTokens", "HourUnix"), ("LedgerDays", "DayUnix"), ("LedgerMonths", "MonthUnix")];

        private const string Values = "Model, Provider, Feature, Team, Operation, Outcome, Extra";

        private const string SameValues = "s.Model = o.Model AND s.Provider = o.Provider AND s.Feature = o.Feature AND s.Team = o.Team AND s.Operation = o.Operation AND s.Outcome = o.Outcome AND s.Extra = o.Extra";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LedgerSets",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Model = table.Column<string>(type: "TEXT", nullable: false),
                    Provider = table.Column<string>(type: "TEXT", nullable: false),
                    Feature = table.Column<string>(type: "TEXT", nullable: false),
                    Team = table.Column<string>(type: "TEXT", nullable: false),
                    Operation = table.Column<string>(type: "TEXT", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", nullable: false),
                    Extra = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerSets", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerSets_Feature",
                table: "LedgerSets",
                column: "Feature");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerSets_Model_Provider_Feature_Team_Operation_Outcome_Extra",
                table: "LedgerSets",
                columns: new[] { "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra" },
                unique: true);

            migrationBuilder.Sql($"""
                INSERT INTO LedgerSets ({Values})
                SELECT {Values} FROM LedgerDays UNION SELECT {Values} FROM LedgerTokens UNION SELECT {Values} FROM LedgerMonths
                """);

            foreach (var (table, time) in Ledger)
            {
                migrationBuilder.DropIndex(name: $"IX_{table}_{time}_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType", table: table);
                migrationBuilder.RenameTable(name: table, newName: table + "Old");
                migrationBuilder.CreateTable(
                    name: table,
                    columns: t => new
                    {
                        Time = t.Column<long>(name: time, type: "INTEGER", nullable: false),
                        SetId = t.Column<long>(type: "INTEGER", nullable: false),
                        TokenType = t.Column<int>(type: "INTEGER", nullable: false),
                        Tokens = t.Column<long>(type: "INTEGER", nullable: false)
                    },
                    constraints: t =>
                    {
                        t.PrimaryKey($"PK_{table}", x => new { x.Time, x.SetId, x.TokenType });
                    });
                migrationBuilder.Sql($"""
                    INSERT INTO {table} ({time}, SetId, TokenType, Tokens)
                    SELECT o.{time}, s.Id, o.TokenType, o.Tokens FROM {table}Old o JOIN LedgerSets s ON {SameValues}
                    """);
                migrationBuilder.DropTable(name: table + "Old");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, time) in Ledger)
            {
                migrationBuilder.RenameTable(name: table, newName: table + "New");
                migrationBuilder.CreateTable(
                    name: table,
                    columns: t => new
                    {
                        Id = t.Column<long>(type: "INTEGER", nullable: false)
                            .Annotation("Sqlite:Autoincrement", true),
                        Time = t.Column<long>(name: time, type: "INTEGER", nullable: false),
                        Model = t.Column<string>(type: "TEXT", nullable: false),
                        Provider = t.Column<string>(type: "TEXT", nullable: false),
                        Feature = t.Column<string>(type: "TEXT", nullable: false),
                        Team = t.Column<string>(type: "TEXT", nullable: false),
                        Operation = t.Column<string>(type: "TEXT", nullable: false),
                        Outcome = t.Column<string>(type: "TEXT", nullable: false),
                        Extra = t.Column<string>(type: "TEXT", nullable: false),
                        TokenType = t.Column<int>(type: "INTEGER", nullable: false),
                        Tokens = t.Column<long>(type: "INTEGER", nullable: false)
                    },
                    constraints: t =>
                    {
                        t.PrimaryKey($"PK_{table}", x => x.Id);
                    });
                migrationBuilder.Sql($"""
                    INSERT INTO {table} ({time}, {Values}, TokenType, Tokens)
                    SELECT n.{time}, s.Model, s.Provider, s.Feature, s.Team, s.Operation, s.Outcome, s.Extra, n.TokenType, n.Tokens
                    FROM {table}New n JOIN LedgerSets s ON s.Id = n.SetId
                    """);
                migrationBuilder.DropTable(name: table + "New");
                migrationBuilder.CreateIndex(
                    name: $"IX_{table}_{time}_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType",
                    table: table,
                    columns: new[] { time, "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra", "TokenType" },
                    unique: true);
            }

            migrationBuilder.DropTable(name: "LedgerSets");
        }
    }
}
