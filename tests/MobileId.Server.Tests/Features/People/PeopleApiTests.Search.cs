using System.Net.Http.Headers;
using System.Text;
using MobileId.Server.Features.People;

namespace MobileId.Server.Tests.Features.People;

public abstract partial class PeopleApiTests<TFixture>
{
    // ------------------------------------------------------------------ search

    [Theory]
    [InlineData("logon")]
    [InlineData("first")]
    [InlineData("last")]
    [InlineData("email")]
    public async Task FindPerson_QueryInAnotherCase_MatchesThatField(string field)
    {
        // Arrange: each field carries its own marker, so a hit can only come from that field.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var person = await CreateAsync(client, $"lgn{t}", $"Lst{t}", firstName: $"Fst{t}", email: $"eml{t}@example.org");
        await CreateAsync(client, $"decoy{Token()}", $"Decoy{Token()}");
        var q = field switch
        {
            "logon" => $"LGN{t}",
            "first" => $"fST{t}",
            "last" => $"lsT{t}",
            _ => $"EML{t}@EXAMPLE.ORG",
        };

        // Act
        var result = await SearchAsync(client, $"q={Uri.EscapeDataString(q.ToUpperInvariant())}");

        // Assert
        Assert.Equal(1, result.Total);
        Assert.Equal(person.Id, Assert.Single(result.Items).Id);
    }

    [Fact]
    public async Task FindPerson_QueryWithLikeWildcards_MatchesThemLiterally()
    {
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var underscore = await CreateAsync(client, $"wild_a{t}", "Wild");
        await CreateAsync(client, $"wildXa{t}", "Wild");

        var result = await SearchAsync(client, $"q=wild_a{t}");
        var percent = await SearchAsync(client, $"q={Uri.EscapeDataString($"wild%a{t}")}");

        Assert.Equal(underscore.Id, Assert.Single(result.Items).Id);
        Assert.Equal(0, percent.Total);
    }

    [Fact]
    public async Task FindPerson_Paging_EveryPersonOnExactlyOnePageAndTotalOnEach()
    {
        // Arrange: seven people that only this test's query finds.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await CreateAsync(client, $"page{i}.{t}", $"Pager{t} {i}")).Id);
        }

        // Act
        var pages = new List<PagedResult<PersonView>>();
        for (var page = 1; page <= 4; page++)
        {
            pages.Add(await SearchAsync(client, $"q=pager{t}&page={page}&pageSize=3"));
        }

        // Assert
        Assert.Equal([3, 3, 1, 0], pages.Select(p => p.Items.Count));
        Assert.All(pages, p => Assert.Equal(7, p.Total));
        Assert.All(pages, p => Assert.Equal(3, p.PageSize));
        Assert.Equal([1, 2, 3, 4], pages.Select(p => p.Page));
        var seen = pages.SelectMany(p => p.Items.Select(i => i.Id)).ToList();
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(ids, seen); // sorted by last name: Pager… 0 to 6
    }

    [Fact]
    public async Task FindPerson_GroupFilter_IncludesSubgroupsOnlyWhenAsked()
    {
        // Arrange: Root > Child > Grandchild, one person in each, one outside.
        using var client = await fixture.App.AdminClientAsync();
        var t = Token();
        var root = await fixture.App.CreateGroupAsync($"Root{t}");
        var child = await fixture.App.CreateGroupAsync("Child", root);
        var grandchild = await fixture.App.CreateGroupAsync("Grandchild", child);
        var outside = await fixture.App.CreateGroupAsync($"Outside{t}");
        var inRoot = await CreateAsync(client, $"root.{t}", "Root", groupId: root);
        var inChild = await CreateAsync(client, $"child.{t}", "Child", groupId: child);
        var inGrandchild = await CreateAsync(client, $"grand.{t}", "Grand", groupId: grandchild);
        await CreateAsync(client, $"out.{t}", "Out", groupId: outside);

        // Act
        var rootOnly = await SearchAsync(client, $"groupId={root}");
        var rootAndBelow = await SearchAsync(client, $"groupId={root}&includeSubgroups=true");
        var childAndBelow = await SearchAsync(client, $"groupId={child}&includeSubgroups=true");
        var grandchildAndBelow = await SearchAsync(client, $"groupId={grandchild}&includeSubgroups=true");

        // Assert
        Assert.Equal([inRoot.Id], rootOnly.Items.Select(p => p.Id));
        Assert.Equal(3, rootAndBelow.Total);
        Assert.Equal(new[] { inRoot.Id, inChild.Id, inGrandchild.Id }.Order(), rootAndBelow.Items.Select(p => p.Id).Order());
        Assert.Equal(new[] { inChild.Id, inGrandchild.Id }.Order(), childAndBelow.Items.Select(p => p.Id).Order());
        Assert.Equal([inGrandchild.Id], grandchildAndBelow.Items.Select(p => p.Id));
        Assert.Equal("Child", inChild.GroupName);
    }
}
