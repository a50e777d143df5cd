using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class BillMappings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "BillTokens",
                table: "ReportLines",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "DetailModel",
                table: "ReportLines",
                type: "TEXT",
                maxLength: 300,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "DetailTokenType",
                table: "ReportLines",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Resource",
                table: "ReportLines",
                type: "TEXT",
                maxLength: 300,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Sku",
                table: "ReportLines",
                type: "TEXT",
                maxLength: 300,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "Tags",
                table: "ReportLines",
                type: "TEXT",
                maxLength: 4000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "ReportMappings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Order = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Field = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Match = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Variant = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    TokenType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Team = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportMappings", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ReportMappings_Kind_Field_Match",
                table: "ReportMappings",
                columns: new[] { "Kind", "Field", "Match" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReportMappings");

            migrationBuilder.DropColumn(
                name: "BillTokens",
                table: "ReportLines");

            migrationBuilder.DropColumn(
                name: "DetailModel",
                table: "ReportLines");

            migrationBuilder.DropColumn(
                name: "DetailTokenType",
                table: "ReportLines");

            migrationBuilder.DropColumn(
                name: "Resource",
                table: "ReportLines");

            migrationBuilder.DropColumn(
                name: "Sku",
                table: "ReportLines");

            migrationBuilder.DropColumn(
                name: "Tags",
                table: "ReportLines");
        }
    }
}
