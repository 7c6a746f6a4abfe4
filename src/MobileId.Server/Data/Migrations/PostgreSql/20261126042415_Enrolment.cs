using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Enrolment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "CodeLookup",
                table: "mobile_ids",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "DeviceId",
                table: "issued_certificates",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "KeyHash",
                table: "issued_certificates",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "StaticChallengeHash",
                table: "credential_profiles",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "StaticChallengeSalt",
                table: "credential_profiles",
                type: "bytea",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "registration_authorities",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    CertificateDer = table.Column<byte[]>(type: "bytea", nullable: false),
                    NotAfter = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_registration_authorities", x => x.Id);
                    table.ForeignKey(
                        name: "FK_registration_authorities_certificate_authorities_IssuerId",
                        column: x => x.IssuerId,
                        principalTable: "certificate_authorities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "server_secrets",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Wrapped = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_server_secrets", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_mobile_ids_CodeLookup",
                table: "mobile_ids",
                column: "CodeLookup");

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_DeviceId",
                table: "issued_certificates",
                column: "DeviceId");

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_KeyHash",
                table: "issued_certificates",
                column: "KeyHash");

            migrationBuilder.CreateIndex(
                name: "IX_registration_authorities_IssuerId",
                table: "registration_authorities",
                column: "IssuerId");

            migrationBuilder.AddForeignKey(
                name: "FK_issued_certificates_devices_DeviceId",
                table: "issued_certificates",
                column: "DeviceId",
                principalTable: "devices",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_issued_certificates_devices_DeviceId",
                table: "issued_certificates");

            migrationBuilder.DropTable(
                name: "registration_authorities");

            migrationBuilder.DropTable(
                name: "server_secrets");

            migrationBuilder.DropIndex(
                name: "IX_mobile_ids_CodeLookup",
                table: "mobile_ids");

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_DeviceId",
                table: "issued_certificates");

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_KeyHash",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "CodeLookup",
                table: "mobile_ids");

            migrationBuilder.DropColumn(
                name: "DeviceId",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "KeyHash",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "StaticChallengeHash",
                table: "credential_profiles");

            migrationBuilder.DropColumn(
                name: "StaticChallengeSalt",
                table: "credential_profiles");
        }
    }
}
