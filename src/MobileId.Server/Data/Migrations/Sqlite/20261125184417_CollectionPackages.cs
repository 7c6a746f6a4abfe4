using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CollectionPackages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "MobileIdentityId",
                table: "issued_certificates",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Slot",
                table: "issued_certificates",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "content_signers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IssuerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    CertificateDer = table.Column<byte[]>(type: "BLOB", nullable: false),
                    NotAfter = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_content_signers", x => x.Id);
                    table.ForeignKey(
                        name: "FK_content_signers_certificate_authorities_IssuerId",
                        column: x => x.IssuerId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_MobileIdentityId_Slot",
                table: "issued_certificates",
                columns: new[] { "MobileIdentityId", "Slot" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_content_signers_IssuerId",
                table: "content_signers",
                column: "IssuerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "content_signers");

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_MobileIdentityId_Slot",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "MobileIdentityId",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "Slot",
                table: "issued_certificates");
        }
    }
}
