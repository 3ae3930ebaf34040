import { CHANNEL_IDS, CHANNELS, channelById, channelLabel } from '../../src/gateway';

/** The platform document's channel table (支付通道), with the English names of docs/protocol.md. */
const TABLE: [number, string, string][] = [
  [1, '微信', 'WeChat Pay'],
  [2, '支付宝', 'Alipay'],
  [3, '银行卡', 'Bank card'],
  [4, '支付宝红包', 'Alipay red packet'],
  [5, '云闪付', 'UnionPay QuickPass'],
  [6, '支付宝转银行卡', 'Alipay to bank card'],
  [7, '支付宝wap', 'Alipay WAP'],
  [8, '微信wap', 'WeChat WAP'],
  [9, '支付宝跳转', 'Alipay redirect'],
  [10, '微信跳转', 'WeChat redirect'],
  [11, '微信手机转账', 'WeChat mobile transfer'],
  [12, '支付宝转卡飞行模式', 'Alipay to card (flight mode)'],
  [13, '微信赞赏码', 'WeChat appreciation code'],
  [14, '支付宝固码', 'Alipay fixed QR code'],
  [15, '支付宝群红包', 'Alipay group red packet'],
];

describe('the channel table', () => {
  it('has exactly the ids 1 to 15, in order', () => {
    expect(CHANNEL_IDS).toEqual(TABLE.map(([id]) => id));
    expect(CHANNELS).toHaveLength(15);
  });

  it.each(TABLE)('channel %d is %s (%s)', (id, name, english) => {
    expect(channelById(id)).toEqual({ id, name, english });
  });

  it.each([0, 16, -1, 2.5, Number.NaN])('has no channel %d', (id) => {
    expect(channelById(id)).toBeUndefined();
  });
});

describe('channelLabel', () => {
  it('joins the Chinese and the English name', () => {
    expect(channelLabel(2)).toBe('支付宝 Alipay');
    expect(channelLabel(12)).toBe('支付宝转卡飞行模式 Alipay to card (flight mode)');
  });

  it('names an unknown channel by its id', () => {
    expect(channelLabel(99)).toBe('channel 99');
  });
});
