using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MobileId.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CardLayouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "CardLayoutId",
                table: "credential_profiles",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "card_layouts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Description = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Definition = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_card_layouts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_credential_profiles_CardLayoutId",
                table: "credential_profiles",
                column: "CardLayoutId");

            migrationBuilder.CreateIndex(
                name: "IX_card_layouts_Name",
                table: "card_layouts",
                column: "Name",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_credential_profiles_card_layouts_CardLayoutId",
                table: "credential_profiles",
                column: "CardLayoutId",
                principalTable: "card_layouts",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_credential_profiles_card_layouts_CardLayoutId",
                table: "credential_profiles");

            migrationBuilder.DropTable(
                name: "card_layouts");

            migrationBuilder.DropIndex(
                name: "IX_credential_profiles_CardLayoutId",
                table: "credential_profiles");

            migrationBuilder.DropColumn(
                name: "CardLayoutId",
                table: "credential_profiles");
        }
    }
}
