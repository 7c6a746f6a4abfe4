using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ServiceCertificates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "KeyId",
                table: "issued_certificates",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Purpose",
                table: "issued_certificates",
                type: "character varying(24)",
                maxLength: 24,
                nullable: false,
                defaultValue: "EndEntity");

            migrationBuilder.AddColumn<byte[]>(
                name: "WrappedKey",
                table: "issued_certificates",
                type: "bytea",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_IssuerId_Purpose_NotAfter",
                table: "issued_certificates",
                columns: new[] { "IssuerId", "Purpose", "NotAfter" });

            // Note: the content signers, OCSP responders and registration authorities move into the issued
            // certificates with their ids (the RA key is wrapped under the context ra:{id}) and keys. The old
            // tables kept no serial: it is read from the DER (version [0] v3, then INTEGER with the 16-octet
            // serial every MobileId CA writes); the subject is the one MobileId gave them, without an O=.
            migrationBuilder.Sql(
                """
                INSERT INTO issued_certificates ("Id", "IssuerId", "Purpose", "SerialHex", "Subject", "Der", "NotBefore", "NotAfter", "Status", "CreatedAt", "UpdatedAt", "KeyId", "WrappedKey")
                SELECT s."Id", s."IssuerId", 'ContentSigner', upper(encode(substring(s."CertificateDer" from position('\xa00302010202'::bytea in s."CertificateDer") + 7 for 16), 'hex')), 'CN=' || c."Name" || ' Content Signing', s."CertificateDer", s."CreatedAt" - interval '5 minutes', s."NotAfter", 'Valid', s."CreatedAt", s."CreatedAt", s."KeyId", NULL
                FROM content_signers s JOIN certificate_authorities c ON c."Id" = s."IssuerId";
                """);

            migrationBuilder.Sql(
                """
                INSERT INTO issued_certificates ("Id", "IssuerId", "Purpose", "SerialHex", "Subject", "Der", "NotBefore", "NotAfter", "Status", "CreatedAt", "UpdatedAt", "KeyId", "WrappedKey")
                SELECT s."Id", s."IssuerId", 'OcspResponder', upper(encode(substring(s."CertificateDer" from position('\xa00302010202'::bytea in s."CertificateDer") + 7 for 16), 'hex')), 'CN=' || c."Name" || ' OCSP Responder', s."CertificateDer", s."CreatedAt" - interval '5 minutes', s."NotAfter", 'Valid', s."CreatedAt", s."CreatedAt", s."KeyId", NULL
                FROM ocsp_responders s JOIN certificate_authorities c ON c."Id" = s."IssuerId";
                """);

            migrationBuilder.Sql(
                """
                INSERT INTO issued_certificates ("Id", "IssuerId", "Purpose", "SerialHex", "Subject", "Der", "NotBefore", "NotAfter", "Status", "CreatedAt", "UpdatedAt", "KeyId", "WrappedKey")
                SELECT s."Id", s."IssuerId", 'RegistrationAuthority', upper(encode(substring(s."CertificateDer" from position('\xa00302010202'::bytea in s."CertificateDer") + 7 for 16), 'hex')), 'CN=' || c."Name" || ' Registration Authority', s."CertificateDer", s."CreatedAt" - interval '5 minutes', s."NotAfter", 'Valid', s."CreatedAt", s."CreatedAt", NULL, s."WrappedKey"
                FROM registration_authorities s JOIN certificate_authorities c ON c."Id" = s."IssuerId";
                """);

            migrationBuilder.DropTable(
                name: "content_signers");

            migrationBuilder.DropTable(
                name: "ocsp_responders");

            migrationBuilder.DropTable(
                name: "registration_authorities");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "content_signers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CertificateDer = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                    KeyId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    NotAfter = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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

            migrationBuilder.CreateTable(
                name: "ocsp_responders",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CertificateDer = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                    KeyId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    NotAfter = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                name: "registration_authorities",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CertificateDer = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                    NotAfter = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    WrappedKey = table.Column<byte[]>(type: "bytea", nullable: false)
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

            migrationBuilder.CreateIndex(
                name: "IX_content_signers_IssuerId",
                table: "content_signers",
                column: "IssuerId");

            migrationBuilder.CreateIndex(
                name: "IX_ocsp_responders_IssuerId",
                table: "ocsp_responders",
                column: "IssuerId");

            migrationBuilder.CreateIndex(
                name: "IX_registration_authorities_IssuerId",
                table: "registration_authorities",
                column: "IssuerId");

            migrationBuilder.Sql(
                """
                INSERT INTO content_signers ("Id", "IssuerId", "KeyId", "CertificateDer", "NotAfter", "CreatedAt")
                SELECT "Id", "IssuerId", "KeyId", "Der", "NotAfter", "CreatedAt" FROM issued_certificates WHERE "Purpose" = 'ContentSigner';
                """);

            migrationBuilder.Sql(
                """
                INSERT INTO ocsp_responders ("Id", "IssuerId", "KeyId", "CertificateDer", "NotAfter", "CreatedAt")
                SELECT "Id", "IssuerId", "KeyId", "Der", "NotAfter", "CreatedAt" FROM issued_certificates WHERE "Purpose" = 'OcspResponder';
                """);

            migrationBuilder.Sql(
                """
                INSERT INTO registration_authorities ("Id", "IssuerId", "WrappedKey", "CertificateDer", "NotAfter", "CreatedAt")
                SELECT "Id", "IssuerId", "WrappedKey", "Der", "NotAfter", "CreatedAt" FROM issued_certificates WHERE "Purpose" = 'RegistrationAuthority';
                """);

            migrationBuilder.Sql(
                """
                DELETE FROM issued_certificates WHERE "Purpose" <> 'EndEntity';
                """);

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_IssuerId_Purpose_NotAfter",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "KeyId",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "Purpose",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "WrappedKey",
                table: "issued_certificates");
        }
    }
}
