using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class LedgerMonths : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LedgerMonths",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MonthUnix = table.Column<long>(type: "INTEGER", nullable: false),
                    Model = table.Column<string>(type: "TEXT", nullable: false),
                    Provider = table.Column<string>(type: "TEXT", nullable: false),
                    Feature = table.Column<string>(type: "TEXT", nullable: false),
                    Team = table.Column<string>(type: "TEXT", nullable: false),
                    Operation = table.Column<string>(type: "TEXT", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", nullable: false),
                    Extra = table.Column<string>(type: "TEXT", nullable: false),
                    TokenType = table.Column<int>(type: "INTEGER", nullable: false),
                    Tokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerMonths", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LedgerRollups",
                columns: table => new
                {
                    MonthUnix = table.Column<long>(type: "INTEGER", nullable: false),
                    ThroughDayUnix = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerRollups", x => x.MonthUnix);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerMonths_MonthUnix_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType",
                table: "LedgerMonths",
                columns: new[] { "MonthUnix", "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra", "TokenType" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LedgerMonths");

            migrationBuilder.DropTable(
                name: "LedgerRollups");
        }
    }
}
