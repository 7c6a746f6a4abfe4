using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MobileId.Architecture.Tests;

/// <summary>A method, constructor, accessor or local function and how many lines it spans.</summary>
internal sealed record MethodSpan(string File, int Line, string Name, int Lines);

/// <summary>The hand-written sources under src/ (generated migrations, bin and obj left out), tests/ and bench/.</summary>
internal static class SourceTree
{
    public static string Root { get; } = FindRoot();

    public static IEnumerable<string> Files(params string[] extensions) =>
        Under("src", extensions).Where(f => !IsExcluded(Path.GetRelativePath(Root, f)));

    /// <summary>The sources under tests/ and bench/, bin and obj left out.</summary>
    public static IEnumerable<string> TestAndBenchFiles(params string[] extensions) =>
        Under("tests", extensions).Concat(Under("bench", extensions))
            .Where(f => !IsBuildOutput(Path.GetRelativePath(Root, f)));

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    public static int LineCount(string path) => File.ReadAllLines(path).Length;

    /// <summary>Every member with a body in one C# file, with its span in lines (signature to closing brace).</summary>
    public static IEnumerable<MethodSpan> Methods(string path)
    {
        var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(path), path: path);
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            var name = node switch
            {
                BaseMethodDeclarationSyntax { Body: not null } or BaseMethodDeclarationSyntax { ExpressionBody: not null } => Describe(node),
                AccessorDeclarationSyntax { Body: not null } or AccessorDeclarationSyntax { ExpressionBody: not null } => Describe(node),
                LocalFunctionStatementSyntax => Describe(node),
                _ => null,
            };
            if (name is null) continue;
            var span = node.GetLocation().GetLineSpan();
            yield return new MethodSpan(Relative(path), span.StartLinePosition.Line + 1, name,
                span.EndLinePosition.Line - span.StartLinePosition.Line + 1);
        }
    }

    /// <summary>
    /// The <c>SaveChangesAsync</c> calls in a file with no <c>// Commit:</c> comment on one of the
    /// three lines above the statement (or on the statement's own line), as "file:line".
    /// </summary>
    public static IEnumerable<string> CommitsWithoutComment(string path)
    {
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Contains(".SaveChangesAsync(", StringComparison.Ordinal) || lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var commented = Enumerable.Range(Math.Max(0, i - 3), Math.Min(4, i + 1))
                .Any(j => lines[j].Contains("// Commit:", StringComparison.Ordinal));
            if (!commented)
            {
                yield return $"{Relative(path)}:{i + 1}";
            }
        }
    }

    private static string Describe(SyntaxNode node)
    {
        var type = node.Ancestors().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.Text ?? "?";
        var member = node switch
        {
            MethodDeclarationSyntax m => m.Identifier.Text,
            ConstructorDeclarationSyntax => "ctor",
            LocalFunctionStatementSyntax l => l.Identifier.Text,
            AccessorDeclarationSyntax a => a.Keyword.Text,
            OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
            _ => node.Kind().ToString(),
        };
        return $"{type}.{member}";
    }

    private static IEnumerable<string> Under(string folder, string[] extensions) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal);

    private static bool IsExcluded(string relative) =>
        IsBuildOutput(relative) || relative.Split(Path.DirectorySeparatorChar, '/').Contains("Migrations");

    private static bool IsBuildOutput(string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar, '/');
        return parts.Contains("bin") || parts.Contains("obj");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MobileId.slnx"))) return dir.FullName;
        }

        throw new InvalidOperationException("MobileId.slnx not found above " + AppContext.BaseDirectory);
    }
}
