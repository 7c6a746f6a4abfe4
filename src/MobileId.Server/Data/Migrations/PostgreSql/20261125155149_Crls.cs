using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Crls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "HoldReleasedAt",
                table: "issued_certificates",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "crls",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Number = table.Column<long>(type: "bigint", nullable: false),
                    IsDelta = table.Column<bool>(type: "boolean", nullable: false),
                    BaseNumber = table.Column<long>(type: "bigint", nullable: true),
                    ThisUpdate = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    NextUpdate = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Entries = table.Column<int>(type: "integer", nullable: false),
                    Der = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_crls", x => x.Id);
                    table.ForeignKey(
                        name: "FK_crls_certificate_authorities_IssuerId",
                        column: x => x.IssuerId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_crls_IssuerId_IsDelta_Number",
                table: "crls",
                columns: new[] { "IssuerId", "IsDelta", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_crls_IssuerId_Number",
                table: "crls",
                columns: new[] { "IssuerId", "Number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "crls");

            migrationBuilder.DropColumn(
                name: "HoldReleasedAt",
                table: "issued_certificates");
        }
    }
}
