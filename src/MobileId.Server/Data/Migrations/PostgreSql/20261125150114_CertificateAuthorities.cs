using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CertificateAuthorities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "certificate_authorities",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ParentId = table.Column<Guid>(type: "uuid", nullable: true),
                    Subject = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    KeyAlgorithm = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    KeyStore = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    KeyId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    CertificateDer = table.Column<byte[]>(type: "bytea", nullable: false),
                    SerialHex = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    NotBefore = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    NotAfter = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Imported = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_certificate_authorities", x => x.Id);
                    table.ForeignKey(
                        name: "FK_certificate_authorities_certificate_authorities_ParentId",
                        column: x => x.ParentId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_certificate_authorities_Name",
                table: "certificate_authorities",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_certificate_authorities_ParentId",
                table: "certificate_authorities",
                column: "ParentId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "certificate_authorities");
        }
    }
}
