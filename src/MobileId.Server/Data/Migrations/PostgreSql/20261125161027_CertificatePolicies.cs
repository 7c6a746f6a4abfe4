using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CertificatePolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "certificate_policies",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                    KeyAlgorithm = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    KeyUsage = table.Column<int>(type: "integer", nullable: false),
                    ExtendedKeyUsages = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    SubjectTemplate = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    SanEmail = table.Column<bool>(type: "boolean", nullable: false),
                    UpnSuffix = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: true),
                    PolicyOids = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    ValidityDays = table.Column<int>(type: "integer", nullable: false),
                    KeyGeneration = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Archive = table.Column<bool>(type: "boolean", nullable: false),
                    AutomaticRenewal = table.Column<bool>(type: "boolean", nullable: false),
                    RenewalDaysBeforeExpiry = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_certificate_policies", x => x.Id);
                    table.ForeignKey(
                        name: "FK_certificate_policies_certificate_authorities_IssuerId",
                        column: x => x.IssuerId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_certificate_policies_IssuerId",
                table: "certificate_policies",
                column: "IssuerId");

            migrationBuilder.CreateIndex(
                name: "IX_certificate_policies_Name",
                table: "certificate_policies",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "certificate_policies");
        }
    }
}
