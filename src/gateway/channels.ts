/** The platform's channel table (支付通道). */
export interface Channel {
  id: number;
  name: string;
  english: string;
}

export const CHANNELS: readonly Channel[] = [
  { id: 1, name: '微信', english: 'WeChat Pay' },
  { id: 2, name: '支付宝', english: 'Alipay' },
  { id: 3, name: '银行卡', english: 'Bank card' },
  { id: 4, name: '支付宝红包', english: 'Alipay red packet' },
  { id: 5, name: '云闪付', english: 'UnionPay QuickPass' },
  { id: 6, name: '支付宝转银行卡', english: 'Alipay to bank card' },
  { id: 7, name: '支付宝wap', english: 'Alipay WAP' },
  { id: 8, name: '微信wap', english: 'WeChat WAP' },
  { id: 9, name: '支付宝跳转', english: 'Alipay redirect' },
  { id: 10, name: '微信跳转', english: 'WeChat redirect' },
  { id: 11, name: '微信手机转账', english: 'WeChat mobile transfer' },
  { id: 12, name: '支付宝转卡飞行模式', english: 'Alipay to card (flight mode)' },
  { id: 13, name: '微信赞赏码', english: 'WeChat appreciation code' },
  { id: 14, name: '支付宝固码', english: 'Alipay fixed QR code' },
  { id: 15, name: '支付宝群红包', english: 'Alipay group red packet' },
];

export const CHANNEL_IDS: readonly number[] = CHANNELS.map((c) => c.id);

export function channelById(id: number): Channel | undefined {
  return CHANNELS.find((c) => c.id === id);
}

/** "支付宝 Alipay" — how people read a channel. */
export function channelLabel(id: number): string {
  const channel = channelById(id);
  return channel ? `${channel.name} ${channel.english}` : `channel ${id}`;
}
