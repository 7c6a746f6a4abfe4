using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class KeyArchive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_PersonId",
                table: "issued_certificates");

            migrationBuilder.AddColumn<Guid>(
                name: "PolicyId",
                table: "issued_certificates",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "archived_keys",
                columns: table => new
                {
                    CertificateId = table.Column<Guid>(type: "uuid", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    KeyStore = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ArchivedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Recoveries = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_archived_keys", x => x.CertificateId);
                    table.ForeignKey(
                        name: "FK_archived_keys_issued_certificates_CertificateId",
                        column: x => x.CertificateId,
                        principalTable: "issued_certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_PersonId_PolicyId",
                table: "issued_certificates",
                columns: new[] { "PersonId", "PolicyId" });

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_PolicyId",
                table: "issued_certificates",
                column: "PolicyId");

            migrationBuilder.AddForeignKey(
                name: "FK_issued_certificates_certificate_policies_PolicyId",
                table: "issued_certificates",
                column: "PolicyId",
                principalTable: "certificate_policies",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_issued_certificates_certificate_policies_PolicyId",
                table: "issued_certificates");

            migrationBuilder.DropTable(
                name: "archived_keys");

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_PersonId_PolicyId",
                table: "issued_certificates");

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_PolicyId",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "PolicyId",
                table: "issued_certificates");

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_PersonId",
                table: "issued_certificates",
                column: "PersonId");
        }
    }
}
