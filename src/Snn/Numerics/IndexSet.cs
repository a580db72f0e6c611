namespace FSpiNN.Snn.Numerics;

/// <summary>
/// A set of indices in [0, capacity) with O(1) add, remove-while-iterating and clear, listed in insertion order (not
/// sorted). The event-driven parts of the simulator keep the few neurons that need work in one.
/// </summary>
internal sealed class IndexSet
{
    private readonly int[] _items;
    private readonly bool[] _contains;

    public IndexSet(int capacity)
    {
        _items = new int[capacity];
        _contains = new bool[capacity];
    }

    public int Count { get; private set; }

    public int this[int position] => _items[position];

    public ReadOnlySpan<int> Items => _items.AsSpan(0, Count);

    public bool Contains(int index) => _contains[index];

    public void Add(int index)
    {
        if (_contains[index]) return;
        _contains[index] = true;
        _items[Count++] = index;
    }

    public void AddAll()
    {
        for (var i = 0; i < _contains.Length; i++) Add(i);
    }

    /// <summary>Removes the item at <paramref name="position"/>; the last item takes its place (visit the position again).</summary>
    public void RemoveAt(int position)
    {
        _contains[_items[position]] = false;
        _items[position] = _items[--Count];
    }

    public void Clear()
    {
        foreach (var i in Items) _contains[i] = false;
        Count = 0;
    }
}
