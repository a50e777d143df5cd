using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class Budgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BudgetAudits",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AtUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", nullable: false),
                    Scope = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    FromMonth = table.Column<int>(type: "INTEGER", nullable: false),
                    Before = table.Column<string>(type: "TEXT", nullable: false),
                    After = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BudgetAudits", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "BudgetCrossings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TeamId = table.Column<int>(type: "INTEGER", nullable: false),
                    Month = table.Column<int>(type: "INTEGER", nullable: false),
                    Threshold = table.Column<int>(type: "INTEGER", nullable: false),
                    CrossedUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    SpendUsd = table.Column<decimal>(type: "TEXT", nullable: false),
                    BudgetUsd = table.Column<decimal>(type: "TEXT", nullable: false),
                    NotifiedUtc = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BudgetCrossings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BudgetCrossings_Teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "Teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Budgets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TeamId = table.Column<int>(type: "INTEGER", nullable: true),
                    FromMonth = table.Column<int>(type: "INTEGER", nullable: false),
                    MonthlyUsd = table.Column<decimal>(type: "TEXT", nullable: true),
                    DailyUsd = table.Column<decimal>(type: "TEXT", nullable: true),
                    Thresholds = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CreatedUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Budgets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Budgets_Teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "Teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BudgetAudits_AtUtc",
                table: "BudgetAudits",
                column: "AtUtc");

            migrationBuilder.CreateIndex(
                name: "IX_BudgetCrossings_TeamId_Month_Threshold",
                table: "BudgetCrossings",
                columns: new[] { "TeamId", "Month", "Threshold" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Budgets_TeamId_FromMonth",
                table: "Budgets",
                columns: new[] { "TeamId", "FromMonth" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BudgetAudits");

            migrationBuilder.DropTable(
                name: "BudgetCrossings");

            migrationBuilder.DropTable(
                name: "Budgets");
        }
    }
}
