using System.Data;
using FSpiNN.Dse.Study;

namespace FSpiNN.Dse.Tests;

/// <summary>The per-handle cache of the SQL backends' row reads (TrialRowCache): reuse must never change what is read.</summary>
public sealed class TrialRowCacheTests
{
    [Test]
    public void ACandidateIsParsedOnceAndEqualsAFreshParse()
    {
        var cache = new TrialRowCache();
        const string json = """{"network":"fspinn","neurons":400,"bits":8}""";
        var first = cache.Candidate(json);
        var second = cache.Candidate(json);
        Assert.That(second, Is.SameAs(first));
        Assert.That(first.Key, Is.EqualTo(Candidate.FromJson(json).Key));
        Assert.That(cache.Candidate("""{"network":"bindsnet","neurons":400,"bits":8}""").Key, Is.Not.EqualTo(first.Key));
    }

    [Test]
    public void ColumnsAreLookedUpAgainForEachResultSetEvenOfTheSameReaderObject()
    {
        // one reader object whose second result set lacks a column of the first (Npgsql reuses its reader objects)
        using var withSeq = new DataTable();
        withSeq.Columns.Add("number", typeof(int));
        withSeq.Columns.Add("seq", typeof(long));
        using var withoutSeq = new DataTable();
        withoutSeq.Columns.Add("number", typeof(int));
        using var reader = new DataTableReader([withSeq, withoutSeq]);
        var cache = new TrialRowCache();
        cache.NewResultSet();
        Assert.That(cache.HasColumn(reader, "SEQ"), Is.True, "looked up case-insensitively, as column names are");
        Assert.That(reader.NextResult(), Is.True);
        cache.NewResultSet();
        Assert.That(cache.HasColumn(reader, "seq"), Is.False);
        Assert.That(cache.HasColumn(reader, "number"), Is.True);
    }
}
