using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class PriceVariants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Prices_Model_EffectiveFromUtc",
                table: "Prices");

            migrationBuilder.DropIndex(
                name: "IX_LedgerSets_Model_Provider_Feature_Team_Operation_Outcome_Extra",
                table: "LedgerSets");

            migrationBuilder.AddColumn<decimal>(
                name: "Multiplier",
                table: "Prices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Variant",
                table: "Prices",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Variant",
                table: "LedgerSets",
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            migrationBuilder.UpdateData(
                table: "Prices",
                keyColumn: "Id",
                keyValue: 1,
                columns: new[] { "Multiplier", "Variant" },
                values: new object[] { null, "" });

            migrationBuilder.UpdateData(
                table: "Prices",
                keyColumn: "Id",
                keyValue: 2,
                columns: new[] { "Multiplier", "Variant" },
                values: new object[] { null, "" });

            migrationBuilder.CreateIndex(
                name: "IX_Prices_Model_Variant_EffectiveFromUtc",
                table: "Prices",
                columns: new[] { "Model", "Variant", "EffectiveFromUtc" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerSets_Model_Provider_Feature_Team_Operation_Outcome_Extra_Variant",
                table: "LedgerSets",
                columns: new[] { "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra", "Variant" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Prices_Model_Variant_EffectiveFromUtc",
                table: "Prices");

            migrationBuilder.DropIndex(
                name: "IX_LedgerSets_Model_Provider_Feature_Team_Operation_Outcome_Extra_Variant",
                table: "LedgerSets");

            migrationBuilder.DropColumn(
                name: "Multiplier",
                table: "Prices");

            migrationBuilder.DropColumn(
                name: "Variant",
                table: "Prices");

            migrationBuilder.DropColumn(
                name: "Variant",
                table: "LedgerSets");

            migrationBuilder.CreateIndex(
                name: "IX_Prices_Model_EffectiveFromUtc",
                table: "Prices",
                columns: new[] { "Model", "EffectiveFromUtc" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerSets_Model_Provider_Feature_Team_Operation_Outcome_Extra",
                table: "LedgerSets",
                columns: new[] { "Model", "Provider", "Feature", "Team", "Operation", "Outcome", "Extra" },
                unique: true);
        }
    }
}
