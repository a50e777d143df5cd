using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class LedgerExtraDimensions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LedgerTokens_HourUnix_Model_Provider_Feature_Team_Operation_Outcome_TokenType",
                table: "LedgerTokens");

            migrationBuilder.DropIndex(
                name: "IX_LedgerDays_DayUnix_Model_Provider_Feature_Team_Operation_Outcome_TokenType",
                table: "LedgerDays");

            migrationBuilder.AddColumn<string>(
                name: "Extra",
                table: "LedgerTokens",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Extra",
                table: "LedgerDays",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerTokens_HourUnix_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType",
                table: "LedgerTokens",
                columns: new[] { "HourUnix", "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra", "TokenType" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerDays_DayUnix_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType",
                table: "LedgerDays",
                columns: new[] { "DayUnix", "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra", "TokenType" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LedgerTokens_HourUnix_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType",
                table: "LedgerTokens");

            migrationBuilder.DropIndex(
                name: "IX_LedgerDays_DayUnix_Model_Provider_Feature_Team_Operation_Outcome_Extra_TokenType",
                table: "LedgerDays");

            migrationBuilder.DropColumn(
                name: "Extra",
                table: "LedgerTokens");

            migrationBuilder.DropColumn(
                name: "Extra",
                table: "LedgerDays");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerTokens_HourUnix_Model_Provider_Feature_Team_Operation_Outcome_TokenType",
                table: "LedgerTokens",
                columns: new[] { "HourUnix", "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "TokenType" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerDays_DayUnix_Model_Provider_Feature_Team_Operation_Outcome_TokenType",
                table: "LedgerDays",
                columns: new[] { "DayUnix", "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "TokenType" },
                unique: true);
        }
    }
}
