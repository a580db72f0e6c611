using FSpiNN.Snn.Models;
using SkiaSharp;

namespace FSpiNN.Dse.Reporting;

/// <summary>
/// The learned input weights of every excitatory neuron drawn as a grid of image-shaped tiles (28×28 for MNIST),
/// the figure users expect from this network: each tile is scaled from 0 (black) to the largest weight of the model (white).
/// </summary>
public static class ReceptiveFieldImage
{
    public static void WritePng(SnnModel model, int imageRows, int imageCols, string path, int scale = 2)
    {
        if (imageRows * imageCols != model.InputSize)
            throw new ArgumentException($"tiles of {imageRows}x{imageCols} do not match the model's {model.InputSize} inputs");
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var n = model.Neurons;
        var columns = (int)Math.Ceiling(Math.Sqrt(n));
        var rows = (n + columns - 1) / columns;
        const int gap = 1;
        var width = (columns * (imageCols + gap) + gap) * scale;
        var height = (rows * (imageRows + gap) + gap) * scale;
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
