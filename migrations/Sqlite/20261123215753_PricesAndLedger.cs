using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class PricesAndLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "FeatureOwners",
                columns: table => new
                {
                    Feature = table.Column<string>(type: "TEXT", nullable: false),
                    TeamId = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FeatureOwners", x => x.Feature);
                    table.ForeignKey(
                        name: "FK_FeatureOwners_Teams_TeamId",
                        column: x => x.TeamId,
                        principalTable: "Teams",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LedgerHours",
                columns: table => new
                {
                    HourUnix = table.Column<long>(type: "INTEGER", nullable: false),
                    IngestedUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    Series = table.Column<int>(type: "INTEGER", nullable: false),
                    Samples = table.Column<long>(type: "INTEGER", nullable: false),
                    Profile = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerHours", x => x.HourUnix);
                });

            migrationBuilder.CreateTable(
                name: "LedgerTokens",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    HourUnix = table.Column<long>(type: "INTEGER", nullable: false),
                    Model = table.Column<string>(type: "TEXT", nullable: false),
                    Provider = table.Column<string>(type: "TEXT", nullable: false),
                    Feature = table.Column<string>(type: "TEXT", nullable: false),
                    Team = table.Column<string>(type: "TEXT", nullable: false),
                    Operation = table.Column<string>(type: "TEXT", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", nullable: false),
                    TokenType = table.Column<int>(type: "INTEGER", nullable: false),
                    Tokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerTokens", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Prices",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    EffectiveFromUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    InputPerMTok = table.Column<decimal>(type: "TEXT", nullable: false),
                    OutputPerMTok = table.Column<decimal>(type: "TEXT", nullable: false),
                    CachedInputPerMTok = table.Column<decimal>(type: "TEXT", nullable: true),
                    CacheWritePerMTok = table.Column<decimal>(type: "TEXT", nullable: true),
                    CreatedUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Prices", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "Prices",
                columns: new[] { "Id", "CacheWritePerMTok", "CachedInputPerMTok", "CreatedBy", "CreatedUtc", "EffectiveFromUtc", "InputPerMTok", "Model", "OutputPerMTok" },
                values: new object[,]
                {
                    { 1, null, 1.25m, "starter data", 0L, 1308009627648000000L, 2.50m, "gpt-4o-2024-11-20", 10.00m },
                    { 2, null, null, "starter data", 0L, 1307788443648000000L, 0.15m, "gpt-4o-mini", 0.60m }
                });

            migrationBuilder.CreateIndex(
                name: "IX_FeatureOwners_TeamId",
                table: "FeatureOwners",
                column: "TeamId");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerTokens_HourUnix_Model_Provider_Feature_Team_Operation_Outcome_TokenType",
                table: "LedgerTokens",
                columns: new[] { "HourUnix", "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "TokenType" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Prices_Model_EffectiveFromUtc",
                table: "Prices",
                columns: new[] { "Model", "EffectiveFromUtc" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FeatureOwners");

            migrationBuilder.DropTable(
                name: "LedgerHours");

            migrationBuilder.DropTable(
                name: "LedgerTokens");

            migrationBuilder.DropTable(
                name: "Prices");
        }
    }
}
