using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IssuedCertificates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "issued_certificates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IssuerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SerialHex = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    PersonId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Der = table.Column<byte[]>(type: "BLOB", nullable: false),
                    NotBefore = table.Column<DateTime>(type: "TEXT", nullable: false),
                    NotAfter = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevocationReason = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_issued_certificates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_issued_certificates_certificate_authorities_IssuerId",
                        column: x => x.IssuerId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_issued_certificates_people_PersonId",
                        column: x => x.PersonId,
                        principalTable: "people",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ocsp_responders",
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
                    table.PrimaryKey("PK_ocsp_responders", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ocsp_responders_certificate_authorities_IssuerId",
                        column: x => x.IssuerId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "revocation_epoch",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Value = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_revocation_epoch", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "revocation_epoch",
                columns: new[] { "Id", "Value" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_IssuerId_SerialHex",
                table: "issued_certificates",
                columns: new[] { "IssuerId", "SerialHex" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_IssuerId_Status",
                table: "issued_certificates",
                columns: new[] { "IssuerId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_PersonId",
                table: "issued_certificates",
                column: "PersonId");

            migrationBuilder.CreateIndex(
                name: "IX_ocsp_responders_IssuerId",
                table: "ocsp_responders",
                column: "IssuerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "issued_certificates");

            migrationBuilder.DropTable(
                name: "ocsp_responders");

            migrationBuilder.DropTable(
                name: "revocation_epoch");
        }
    }
}
