using System.Globalization;
using FSpiNN.Snn.Models;
using SkiaSharp;

namespace FSpiNN.SnnSearch;

/// <summary>
/// The learned input weights of every excitatory neuron drawn as a grid of image-shaped tiles (28×28 for MNIST), the
/// figure users expect from this network: each tile from 0 (black) to the largest weight of the model (white), with
/// the neuron's class above its tile ("–" when it never responded while labelling) and a colour bar giving the scale.
/// </summary>
public static class ReceptiveFieldImage
{
    /// <summary>Largest side of the image, in pixels (a larger bitmap cannot be allocated, or not usefully viewed).</summary>
    public const int MaxSide = 16_384;

    /// <summary>
    /// Width and height of the grid of tiles in pixels (a lower bound of the figure's size: labels, title and colour
    /// bar add a little), in 64-bit so that an absurd scale is caught before anything is allocated.
    /// </summary>
    public static (long Width, long Height) Size(SnnModel model, int imageRows, int imageCols, int scale)
    {
        var columns = (long)Math.Ceiling(Math.Sqrt(model.Neurons));
        var rows = (model.Neurons + columns - 1) / columns;
        return (columns * ((long)imageCols * scale + scale), rows * ((long)imageRows * scale + scale));
    }

    public static void WritePng(SnnModel model, int imageRows, int imageCols, string path, int scale = 2)
    {
        if (imageRows * imageCols != model.InputSize)
            throw new ArgumentException($"tiles of {imageRows}x{imageCols} do not match the model's {model.InputSize} inputs");
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var (gridWidthLong, gridHeightLong) = Size(model, imageRows, imageCols, scale);
        if (Math.Max(gridWidthLong, gridHeightLong) > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(scale), $"a {gridWidthLong}x{gridHeightLong} image is larger than {MaxSide} pixels a side");
        var n = model.Neurons;
        var columns = (int)Math.Ceiling(Math.Sqrt(n));
        var rows = (n + columns - 1) / columns;
        var weights = model.Weights.ToFloatArray();
        var max = 0f;
        foreach (var w in weights) max = Math.Max(max, w);
        if (max <= 0) max = 1;

        var fontSize = Math.Max(9f, 5.5f * scale);
        var gap = scale;
        var labelHeight = (int)Math.Ceiling(fontSize * 1.25f);
        var tileWidth = imageCols * scale;
        var tileHeight = imageRows * scale;
        var cellWidth = tileWidth + gap;
        var cellHeight = labelHeight + tileHeight + gap;
        var titleHeight = (int)Math.Ceiling(fontSize * 1.8f);
        var margin = 2 * gap + 4;
        var gridWidth = columns * cellWidth;
        var gridHeight = rows * cellHeight;
        var barWidth = Math.Max(10, 4 * scale);
        var barLabelWidth = (int)Math.Ceiling(fontSize * 4f);
        using var font = new SKFont(SKTypeface.FromFamilyName("sans-serif") ?? SKTypeface.Default, fontSize);
        var title = $"input weights of {n} neurons; above each: its class (– none)";
        var width = Math.Max(margin + gridWidth + margin + barWidth + 4 + barLabelWidth + margin, margin + (int)Math.Ceiling(font.MeasureText(title)) + margin);
        var height = titleHeight + gridHeight + margin;

        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var pixel = new SKPaint();

        canvas.DrawText(title, margin, titleHeight - fontSize * 0.5f, font, text);
        for (var j = 0; j < n; j++)
        {
            var x = margin + (j % columns) * cellWidth;
            var y = titleHeight + (j / columns) * cellHeight;
            var assignment = model.IsLabelled ? model.Assignments[j] : -1;
            var label = !model.IsLabelled ? "" : assignment < 0 ? "–" : assignment.ToString(CultureInfo.InvariantCulture);
            canvas.DrawText(label, x + tileWidth / 2f, y + labelHeight - fontSize * 0.25f, SKTextAlign.Center, font, text);
            for (var r = 0; r < imageRows; r++)
                for (var c = 0; c < imageCols; c++)
                {
                    var value = (byte)Math.Clamp(weights[(r * imageCols + c) * n + j] / max * 255f, 0f, 255f);
                    pixel.Color = new SKColor(value, value, value);
                    canvas.DrawRect(x + c * scale, y + labelHeight + r * scale, scale, scale, pixel);
                }
        }

        // colour bar: the grey scale of the tiles, 0 at the bottom, the largest weight at the top
        var barX = margin + gridWidth + margin;
        var barTop = titleHeight + labelHeight;
        var barHeight = Math.Max(gridHeight - 2 * labelHeight - gap, 20); // room below for its title
        for (var k = 0; k < barHeight; k++)
        {
            var value = (byte)Math.Round(255.0 * (barHeight - 1 - k) / (barHeight - 1));
            pixel.Color = new SKColor(value, value, value);
            canvas.DrawRect(barX, barTop + k, barWidth, 1, pixel);
        }
        using var outline = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(barX - 0.5f, barTop - 0.5f, barWidth + 1, barHeight + 1, outline);
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            var tickY = barTop + (float)((1 - fraction) * (barHeight - 1));
            canvas.DrawLine(barX + barWidth, tickY, barX + barWidth + 3, tickY, outline);
            canvas.DrawText((fraction * max).ToString("0.###", CultureInfo.InvariantCulture), barX + barWidth + 5, tickY + fontSize * 0.35f, font, text);
        }
        canvas.DrawText("weight", barX, barTop + barHeight + fontSize * 1.3f, font, text);
        pixel.Dispose();

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
