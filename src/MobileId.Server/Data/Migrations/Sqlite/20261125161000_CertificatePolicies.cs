using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    IssuerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    KeyAlgorithm = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    KeyUsage = table.Column<int>(type: "INTEGER", nullable: false),
                    ExtendedKeyUsages = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    SubjectTemplate = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    SanEmail = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpnSuffix = table.Column<string>(type: "TEXT", maxLength: 253, nullable: true),
                    PolicyOids = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    ValidityDays = table.Column<int>(type: "INTEGER", nullable: false),
                    KeyGeneration = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Archive = table.Column<bool>(type: "INTEGER", nullable: false),
                    AutomaticRenewal = table.Column<bool>(type: "INTEGER", nullable: false),
                    RenewalDaysBeforeExpiry = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
