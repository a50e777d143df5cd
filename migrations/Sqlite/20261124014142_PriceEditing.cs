using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CostConsole.Migrations
{
    /// <inheritdoc />
    public partial class PriceEditing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Retired",
                table: "Prices",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "UpdatedBy",
                table: "Prices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "UpdatedUtc",
                table: "Prices",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "Prices",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "PriceAudit",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AtUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    PriceId = table.Column<int>(type: "INTEGER", nullable: true),
                    Before = table.Column<string>(type: "TEXT", nullable: false),
                    After = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PriceAudit", x => x.Id);
                });

            migrationBuilder.UpdateData(
                table: "Prices",
                keyColumn: "Id",
                keyValue: 1,
                columns: new[] { "Retired", "UpdatedBy", "UpdatedUtc", "Version" },
                values: new object[] { false, null, null, 0 });

            migrationBuilder.UpdateData(
                table: "Prices",
                keyColumn: "Id",
                keyValue: 2,
                columns: new[] { "Retired", "UpdatedBy", "UpdatedUtc", "Version" },
                values: new object[] { false, null, null, 0 });

            migrationBuilder.CreateIndex(
                name: "IX_PriceAudit_AtUtc",
                table: "PriceAudit",
                column: "AtUtc");

            migrationBuilder.CreateIndex(
                name: "IX_PriceAudit_Model_AtUtc",
                table: "PriceAudit",
                columns: new[] { "Model", "AtUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PriceAudit");

            migrationBuilder.DropColumn(
                name: "Retired",
                table: "Prices");

            migrationBuilder.DropColumn(
                name: "UpdatedBy",
                table: "Prices");

            migrationBuilder.DropColumn(
                name: "UpdatedUtc",
                table: "Prices");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "Prices");
        }
    }
}
