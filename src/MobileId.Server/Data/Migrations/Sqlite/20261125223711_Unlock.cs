using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Unlock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "UnlockKey",
                table: "mobile_ids",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "UnlockTokenHash",
                table: "mobile_ids",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequireCallerVerification",
                table: "credential_profiles",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "unlock_requests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    MobileIdentityId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DeviceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Challenge = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DeviceKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    VerificationHash = table.Column<byte[]>(type: "BLOB", nullable: true),
                    VerificationSalt = table.Column<byte[]>(type: "BLOB", nullable: true),
                    VerificationExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    VerificationFailures = table.Column<int>(type: "INTEGER", nullable: false),
                    CodeHash = table.Column<byte[]>(type: "BLOB", nullable: true),
                    CodeSalt = table.Column<byte[]>(type: "BLOB", nullable: true),
                    CodeExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CodeFailures = table.Column<int>(type: "INTEGER", nullable: false),
                    IssuedById = table.Column<Guid>(type: "TEXT", nullable: true),
                    IssuedByName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Delivered = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_unlock_requests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_unlock_requests_devices_DeviceId",
                        column: x => x.DeviceId,
                        principalTable: "devices",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_unlock_requests_mobile_ids_MobileIdentityId",
                        column: x => x.MobileIdentityId,
                        principalTable: "mobile_ids",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_unlock_requests_DeviceId_Challenge",
                table: "unlock_requests",
                columns: new[] { "DeviceId", "Challenge" });

            migrationBuilder.CreateIndex(
                name: "IX_unlock_requests_MobileIdentityId",
                table: "unlock_requests",
                column: "MobileIdentityId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "unlock_requests");

            migrationBuilder.DropColumn(
                name: "UnlockKey",
                table: "mobile_ids");

            migrationBuilder.DropColumn(
                name: "UnlockTokenHash",
                table: "mobile_ids");

            migrationBuilder.DropColumn(
                name: "RequireCallerVerification",
                table: "credential_profiles");
        }
    }
}
