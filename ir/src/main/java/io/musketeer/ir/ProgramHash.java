package io.musketeer.ir;

import io.musketeer.core.FloatTensor;
import io.musketeer.ir.Node;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * SHA-256 of everything the parties must agree on: structure, shapes, scales, input bounds, public
 * constants and protocol parameters. Server weights are not hashed (only their shapes), so the client and helper can
 * compute the same hash from the weight-free program.
 */
public final class ProgramHash {
  private ProgramHash() {}

  public static String of(Program p, String protocolParameters) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("musketeer-program-v2|").append(protocolParameters).append('|').append(p.fracBits()).append('|').append(p.softmaxOutput()).append('\n');
    for (int i = 0; i < p.graph().size(); i++) {
      Node n = p.graph().node(i);
      sb.append(i).append(' ').append(n.name()).append(' ').append(describe(n.op())).append(' ')
          .append(Arrays.toString(n.inputs())).append(' ').append(n.shape()).append(" s").append(p.scale(i)).append(" k").append(p.bound(i)).append('\n');
      md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
      sb.setLength(0);
      if (n.op() instanceof Op.Constant c && c.isPublic()) md.update(bytes(c.value()));
    }
    md.update(Arrays.toString(p.graph().outputs()).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(md.digest());
  }

  /** A canonical one-line description of an op and its attributes (no weight values). */
  public static String describe(Op op) {
    return switch (op) {
      case Op.Input i -> "Input(" + i.name() + "," + i.shape() + ")";
      case Op.Constant c -> "Constant(" + c.value().shape() + (c.isPublic() ? ",public" : ",server") + ")";
      case Op.MatMul m -> "MatMul";
      case Op.Conv2D c -> "Conv2D(stride=" + c.strideH() + "x" + c.strideW() + ",pad=" + c.padTop() + "," + c.padBottom() + "," + c.padLeft() + "," + c.padRight() + ",groups=" + c.groups() + ")";
      case Op.Add a -> "Add";
      case Op.Sub s -> "Sub";
      case Op.Mul m -> "Mul";
      case Op.Neg n -> "Neg";
      case Op.Relu r -> "Relu";
      case Op.MaxPool m -> "MaxPool(" + window(m.window()) + ")";
      case Op.AvgPool a -> "AvgPool(" + window(a.window()) + ",countPadding=" + a.countPadding() + ")";
      case Op.ReduceSum r -> "ReduceSum(" + Arrays.toString(r.axes()) + ",keep=" + r.keepDims() + ")";
      case Op.ReduceMean r -> "ReduceMean(" + Arrays.toString(r.axes()) + ",keep=" + r.keepDims() + ")";
      case Op.Concat c -> "Concat(" + c.axis() + ")";
      case Op.Reshape r -> "Reshape(" + r.shape() + ")";
      case Op.Pad p -> "Pad(" + Arrays.toString(p.before()) + "," + Arrays.toString(p.after()) + ")";
      case Op.Transpose t -> "Transpose(" + Arrays.toString(t.perm()) + ")";
      case Op.Slice s -> "Slice(" + Arrays.toString(s.begin()) + "," + Arrays.toString(s.end()) + "," + Arrays.toString(s.stride()) + ")";
      case Op.Softmax s -> "Softmax";
      case Op.ArgMax a -> "ArgMax(" + a.axis() + ")";
      case Op.Truncate t -> "Truncate(" + t.bits() + ")";
    };
  }

  private static String window(Op.Window w) {
    return w.kh() + "x" + w.kw() + ",stride=" + w.strideH() + "x" + w.strideW() + ",pad=" + w.padTop() + "," + w.padBottom() + "," + w.padLeft() + "," + w.padRight();
  }

  private static byte[] bytes(FloatTensor t) {
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(t.data().length * 4);
    for (float f : t.data()) bb.putFloat(f);
    return bb.array();
  }
}
