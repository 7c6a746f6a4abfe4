using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CredentialProfiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "credential_profiles",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CardEncoding = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DeviceRestriction = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    RequireValidation = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowFace = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowFingerprint = table.Column<bool>(type: "INTEGER", nullable: false),
                    RequireFingerprintsAtIssuance = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequireFacialBiometrics = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CardFormat = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CardDataModel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    RequireChallenge = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credential_profiles", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "profile_certificates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProfileId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PolicyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Container = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Order = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_certificates", x => x.Id);
                    table.ForeignKey(
                        name: "FK_profile_certificates_certificate_policies_PolicyId",
                        column: x => x.PolicyId,
                        principalTable: "certificate_policies",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_profile_certificates_credential_profiles_ProfileId",
                        column: x => x.ProfileId,
                        principalTable: "credential_profiles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "profile_roles",
                columns: table => new
                {
                    ProfileId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RoleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CanReceive = table.Column<bool>(type: "INTEGER", nullable: false),
                    CanRequest = table.Column<bool>(type: "INTEGER", nullable: false),
                    CanValidate = table.Column<bool>(type: "INTEGER", nullable: false),
                    CanCollect = table.Column<bool>(type: "INTEGER", nullable: false),
                    CanUnlock = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_roles", x => new { x.ProfileId, x.RoleId });
                    table.ForeignKey(
                        name: "FK_profile_roles_credential_profiles_ProfileId",
                        column: x => x.ProfileId,
                        principalTable: "credential_profiles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_profile_roles_roles_RoleId",
                        column: x => x.RoleId,
                        principalTable: "roles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_credential_profiles_Name",
                table: "credential_profiles",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_profile_certificates_PolicyId",
                table: "profile_certificates",
                column: "PolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_profile_certificates_ProfileId",
                table: "profile_certificates",
                column: "ProfileId");

            migrationBuilder.CreateIndex(
                name: "IX_profile_roles_RoleId",
                table: "profile_roles",
                column: "RoleId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "profile_certificates");

            migrationBuilder.DropTable(
                name: "profile_roles");

            migrationBuilder.DropTable(
                name: "credential_profiles");
        }
    }
}
