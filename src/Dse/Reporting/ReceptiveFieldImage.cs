using FSpiNN.Snn.Models;
using SkiaSharp;

namespace FSpiNN.Dse.Reporting;

/// <summary>
/// The learned input weights of every excitatory neuron drawn as a grid of image-shaped tiles (28×28 for MNIST),
/// the figure users expect from this network: each tile is scaled from 0 (black) to the largest weight of the model (white).
/// </summary>
public static class ReceptiveFieldImage
{
    /// <summary>Largest side of the image, in pixels (a larger bitmap cannot be allocated, or not usefully viewed).</summary>
    public const int MaxSide = 16_384;

    /// <summary>Width and height in pixels: tiles on a near-square grid, one pixel of gap around each, times <paramref name="scale"/>.</summary>
    public static (long Width, long Height) Size(SnnModel model, int imageRows, int imageCols, int scale)
    {
        var columns = (long)Math.Ceiling(Math.Sqrt(model.Neurons));
        var rows = (model.Neurons + columns - 1) / columns;
        return ((columns * (imageCols + 1) + 1) * scale, (rows * (imageRows + 1) + 1) * scale);
    }

    public static void WritePng(SnnModel model, int imageRows, int imageCols, string path, int scale = 2)
    {
        if (imageRows * imageCols != model.InputSize)
            throw new ArgumentException($"tiles of {imageRows}x{imageCols} do not match the model's {model.InputSize} inputs");
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var n = model.Neurons;
        var columns = (int)Math.Ceiling(Math.Sqrt(n));
        const int gap = 1;
        var (longWidth, longHeight) = Size(model, imageRows, imageCols, scale);
        if (Math.Max(longWidth, longHeight) > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(scale), $"a {longWidth}x{longHeight} image is larger than {MaxSide} pixels a side");
        var (width, height) = ((int)longWidth, (int)longHeight);
        var weights = model.Weights.ToFloatArray();
        var max = 0f;
        foreach (var w in weights) max = Math.Max(max, w);
        if (max <= 0) max = 1;

        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = new byte[width * height];
        Array.Fill(pixels, (byte)96); // grey separators
        for (var j = 0; j < n; j++)
        {
            var tileX = (j % columns) * (imageCols + gap) + gap;
            var tileY = (j / columns) * (imageRows + gap) + gap;
            for (var r = 0; r < imageRows; r++)
                for (var c = 0; c < imageCols; c++)
                {
                    var w = weights[(r * imageCols + c) * n + j];
                    var value = (byte)Math.Clamp(w / max * 255f, 0f, 255f);
                    for (var dy = 0; dy < scale; dy++)
                    {
                        var rowStart = ((tileY + r) * scale + dy) * width + (tileX + c) * scale;
                        pixels.AsSpan(rowStart, scale).Fill(value);
                    }
                }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
