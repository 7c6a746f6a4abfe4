using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CollectionSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "SessionKey",
                table: "mobile_ids",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SessionTokenHash",
                table: "mobile_ids",
                type: "BLOB",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SessionKey",
                table: "mobile_ids");

            migrationBuilder.DropColumn(
                name: "SessionTokenHash",
                table: "mobile_ids");
        }
    }
}
