using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Renewal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "ExpiredNoticeAt",
                table: "issued_certificates",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RenewalDueAt",
                table: "issued_certificates",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "RenewsId",
                table: "issued_certificates",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_NotAfter",
                table: "issued_certificates",
                column: "NotAfter");

            migrationBuilder.CreateIndex(
                name: "IX_issued_certificates_RenewsId",
                table: "issued_certificates",
                column: "RenewsId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_NotAfter",
                table: "issued_certificates");

            migrationBuilder.DropIndex(
                name: "IX_issued_certificates_RenewsId",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "ExpiredNoticeAt",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "RenewalDueAt",
                table: "issued_certificates");

            migrationBuilder.DropColumn(
                name: "RenewsId",
                table: "issued_certificates");
        }
    }
}
